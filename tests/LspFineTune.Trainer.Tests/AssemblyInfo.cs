// Training tests share two cores: running them one at a time keeps each fast and their peak-memory readings meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
