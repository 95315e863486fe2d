namespace Kaniko.Executor.Filesystem;

/// <summary>
/// Empties a root before the next stage's base image is extracted (kaniko's first trap: what the previous stage
/// left must not leak into this one), keeping ignored paths and never crossing into other filesystems.
/// </summary>
public static class RootCleaner
{
    public static void DeleteAllExceptIgnored(string rootPath, IgnoreList ignore)
    {
        ArgumentNullException.ThrowIfNull(ignore);
        new TreeRemover(new RootFs(rootPath), ignore).RemoveChildren(InsidePath.Root);
    }
}
