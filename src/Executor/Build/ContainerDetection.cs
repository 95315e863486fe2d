namespace Kaniko.Executor.Build;

/// <summary>
/// Building into / deletes the files of /: the executor does that only where it can tell it runs in a
/// container of its own, as kaniko refuses to run elsewhere without --force.
/// </summary>
public static class ContainerDetection
{
    public static bool IsInContainer()
    {
        if (Environment.ProcessId == 1
            || File.Exists("/.dockerenv")
            || File.Exists("/run/.containerenv")
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("container")))
        {
            return true;
        }

        try
        {
            var cgroups = File.ReadAllText("/proc/1/cgroup");
            return cgroups.Contains("docker", StringComparison.Ordinal)
                || cgroups.Contains("kubepods", StringComparison.Ordinal)
                || cgroups.Contains("containerd", StringComparison.Ordinal)
                || cgroups.Contains("libpod", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
