using System.Buffers.Binary;
using System.Text;

namespace LspFineTune.Trainer.Native;

/// <summary>
/// Marks chosen symbol-version needs of an ELF64 shared library weak (VER_FLG_WEAK in <c>.gnu.version_r</c>),
/// so the dynamic loader accepts an older libstdc++ that lacks the version instead of refusing to load.
/// Why this is safe for libLibTorchSharp.so: its only need of GLIBCXX_3.4.32 is <c>std::ios_base_library_init()</c>,
/// a link-time marker that no relocation uses. The patcher checks exactly that before it flips the flag:
/// every dynamic symbol bound to the version must be in the caller's allow-list, otherwise it leaves the file alone.
/// </summary>
internal static class ElfVersionNeedPatcher
{
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>What <see cref="Inspect"/> found for one version name.</summary>
    internal sealed record VersionNeed(string Version, bool IsWeak, int FlagsOffset, IReadOnlyList<string> Symbols);

    /// <summary>Finds the needs named <paramref name="version"/> in the image and the dynamic symbols bound to them.</summary>
    internal static VersionNeed? Inspect(byte[] image, string version)
    {
        var span = image.AsSpan();
        if (span.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (span[4] != 2 || span[5] != 1)
            throw new InvalidDataException("not a little-endian 64-bit ELF file");
        var shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);

        Section ReadSection(int index)
        {
            var header = image.AsSpan().Slice(checked((int)(shoff + index * (long)shentsize)), shentsize);
            return new Section(
                BinaryPrimitives.ReadUInt32LittleEndian(header[4..]),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]),
                (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x38..]));
        }

        var sections = new List<Section>(shnum);
        for (var index = 0; index < shnum; index++)
            sections.Add(ReadSection(index));
        var verneed = sections.FirstOrDefault(s => s.Type == ShtGnuVerneed);
        if (verneed is null)
            return null;
        var verneedStrings = sections[verneed.Link];

        int? versionIndex = null;
        var flagsOffset = 0;
        var isWeak = false;
        var needOffset = verneed.Offset;
        while (true)
        {
            var need = span[(int)needOffset..];
            var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(need[2..]);
            var auxOffset = needOffset + BinaryPrimitives.ReadUInt32LittleEndian(need[8..]);
            for (var i = 0; i < auxCount; i++)
            {
                var aux = span[(int)auxOffset..];
                var name = ReadString(span, verneedStrings.Offset + BinaryPrimitives.ReadUInt32LittleEndian(aux[8..]));
                if (name == version)
                {
                    flagsOffset = (int)auxOffset + 4;
                    isWeak = (BinaryPrimitives.ReadUInt16LittleEndian(aux[4..]) & VerFlgWeak) != 0;
                    versionIndex = BinaryPrimitives.ReadUInt16LittleEndian(aux[6..]) & 0x7fff;
                }
                var nextAux = BinaryPrimitives.ReadUInt32LittleEndian(aux[12..]);
                if (nextAux == 0)
                    break;
                auxOffset += nextAux;
            }
            var nextNeed = BinaryPrimitives.ReadUInt32LittleEndian(need[12..]);
            if (nextNeed == 0)
                break;
            needOffset += nextNeed;
        }
        if (versionIndex is null)
            return null;

        var symbols = new List<string>();
        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsym is not null && versym is not null)
        {
            var dynStrings = sections[dynsym.Link];
            var count = dynsym.Size / 24;
            for (var i = 0; i < count; i++)
            {
                var symbolVersion = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(versym.Offset + i * 2)..]) & 0x7fff;
                if (symbolVersion != versionIndex)
                    continue;
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(dynsym.Offset + i * 24)..]);
                symbols.Add(ReadString(span, dynStrings.Offset + nameOffset));
            }
        }
        return new VersionNeed(version, isWeak, flagsOffset, symbols);
    }

    /// <summary>
    /// Returns a patched copy of <paramref name="image"/> with the need weak, the image itself when it is weak already,
    /// or throws when a symbol outside <paramref name="allowedSymbols"/> uses the version (weakening it would hide a real need).
    /// </summary>
    internal static byte[] MakeWeak(byte[] image, string version, IReadOnlySet<string> allowedSymbols)
    {
        var need = Inspect(image, version) ?? throw new InvalidDataException($"the library has no need of {version}");
        if (need.IsWeak)
            return image;
        var unexpected = need.Symbols.Where(s => !allowedSymbols.Contains(s)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"{version} is needed by real symbols ({string.Join(", ", unexpected.Take(5))}); marking it weak would be unsafe");
        var patched = (byte[])image.Clone();
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(need.FlagsOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(need.FlagsOffset), (ushort)(flags | VerFlgWeak));
        return patched;
    }

    private static string ReadString(ReadOnlySpan<byte> image, long offset)
    {
        var rest = image[(int)offset..];
        var end = rest.IndexOf((byte)0);
        return Encoding.ASCII.GetString(rest[..end]);
    }

    private sealed record Section(uint Type, long Offset, long Size, int Link, long EntrySize);
}
