namespace Kaniko.Executor.Filesystem.Tar;

/// <summary>The tar type flags a layer entry can carry (after PAX and GNU long-name headers are folded in).</summary>
internal enum TarEntryType : byte
{
    RegularFile = (byte)'0',
    HardLink = (byte)'1',
    SymbolicLink = (byte)'2',
    CharacterDevice = (byte)'3',
    BlockDevice = (byte)'4',
    Directory = (byte)'5',
    Fifo = (byte)'6',
}
