/* Preloaded by lft-train on AMD CPUs with AVX-512 (MklVendorCheck.cs): answers the vendor check of the MKL inside
   libtorch_cpu.so, so that MKL chooses its kernels by the CPU's feature flags instead of taking its generic path. */
int mkl_serv_intel_cpu_true(void) { return 1; }
int mkl_serv_intel_cpu(void) { return 1; }
