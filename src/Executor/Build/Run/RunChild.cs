using System.Globalization;
using System.Runtime.InteropServices;

namespace Kaniko.Executor.Build.Run;

/// <summary>
/// The child side of a RUN step: <c>executor __run ROOT CWD UID:GID:GROUPS N ENV×N ARGV…</c>.
/// In a folder root it takes a private mount namespace with /proc and /dev mounted for the step only,
/// so they vanish with it and never reach a snapshot. It then spawns the command with exactly the
/// step's environment and stays as the step's reaper.
/// </summary>
public static class RunChild
{
    public const string CommandName = "__run";

    public static int Run(IReadOnlyList<string> args)
    {
        // Console's writer is built lazily from assemblies on disk; after the chroot they are out of reach.
        var error = Console.Error;
        try
        {
            return Execute(args);
        }
        catch (Exception e)
        {
            error.WriteLine($"executor: RUN: {e.Message}");
            return 127;
        }
    }

    private static int Execute(IReadOnlyList<string> args)
    {
        var root = args[0];
        var workingDirectory = args[1];
        var identity = args[2].Split(':');
        var uid = uint.Parse(identity[0], CultureInfo.InvariantCulture);
        var gid = uint.Parse(identity[1], CultureInfo.InvariantCulture);
        var groups = identity[2].Length == 0
            ? []
            : identity[2].Split(',').Select(g => uint.Parse(g, CultureInfo.InvariantCulture)).ToArray();
        var environmentCount = int.Parse(args[3], CultureInfo.InvariantCulture);
        var environment = args.Skip(4).Take(environmentCount).ToArray();
        var argv = args.Skip(4 + environmentCount).ToArray();
        if (argv.Length == 0)
        {
            throw new InvalidOperationException("the command is empty");
        }

        // A stop signal (the executor cancelling, or a signal sent to our process group) ends the whole step,
        // including children that ignore it; they are re-parented to us, so none escapes.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopStep);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopStep);
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, StopStep);

        // Outside a static build, .NET loads assemblies on first use; after the chroot they are out of reach,
        // so everything the rest of this process calls is used once here.
        Thread.Sleep(0);
        _ = ChildrenOfThisProcess();

        if (root != "/")
        {
            EnterFolderRoot(root);
        }

        if (Native.chdir(workingDirectory) != 0)
        {
            throw new InvalidOperationException($"cannot enter the working directory {workingDirectory}: {Native.LastError()}");
        }

        if (Native.setgroups((nuint)groups.Length, groups) != 0 || Native.setgid(gid) != 0 || Native.setuid(uid) != 0)
        {
            throw new InvalidOperationException($"cannot switch to user {uid}:{gid}: {Native.LastError()}");
        }

        var program = FindProgram(argv[0], environment);

        // Orphans of the step (daemons, double forks) are re-parented to us rather than to PID 1, so we
        // reap them and end the ones still running when the step's command exits, as a container stop would.
        Native.prctl(Native.PrSetChildSubreaper, 1, 0, 0, 0);
        var error = Native.posix_spawn(out var commandPid, program, IntPtr.Zero, IntPtr.Zero, [.. argv, null], [.. environment, null]);
        if (error != 0)
        {
            throw new InvalidOperationException($"cannot execute {argv[0]}: {new System.ComponentModel.Win32Exception(error).Message}");
        }

        var exitCode = WaitFor(commandPid);
        EndLeftovers();
        return exitCode;
    }

    private static void StopStep(PosixSignalContext context)
    {
        context.Cancel = true;
        EndLeftovers();
    }

    /// <summary>Reaps every child until the command itself exits; returns its exit code the way a shell reports it.</summary>
    private static int WaitFor(int commandPid)
    {
        while (true)
        {
            var pid = Native.waitpid(-1, out var status, 0);
            if (pid == commandPid)
            {
                var signal = status & 0x7f;
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
            }

            if (pid < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == Echild)
                {
                    // A stop signal's handler reaped the command first: the step was killed.
                    return 128 + 9;
                }

                if (error != Eintr)
                {
                    throw new InvalidOperationException($"lost track of the step's process: {Native.LastError()}");
                }
            }
        }
    }

    /// <summary>Kills our children until none are left: grandchildren become ours as their parents die.</summary>
    private static void EndLeftovers()
    {
        const int sigkill = 9;
        const int wnohang = 1;
        for (var round = 0; round < 200; round++)
        {
            var children = ChildrenOfThisProcess();
            if (children.Count == 0)
            {
                return;
            }

            foreach (var pid in children)
            {
                Native.kill(pid, sigkill);
            }

            while (Native.waitpid(-1, out _, wnohang) > 0)
            {
            }

            Thread.Sleep(10);
        }
    }

    private static List<int> ChildrenOfThisProcess()
    {
        if (!Directory.Exists("/proc/self"))
        {
            return [];
        }

        var self = Environment.ProcessId;
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == self)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return children;
    }

    private const int Eintr = 4;
    private const int Echild = 10;

    private static void EnterFolderRoot(string root)
    {
        if (Native.unshare(Native.CloneNewNs) != 0)
        {
            throw new InvalidOperationException($"cannot create a mount namespace: {Native.LastError()}");
        }

        Native.mount(null, "/", null, Native.MsRec | Native.MsPrivate, IntPtr.Zero);
        var proc = Path.Combine(root, "proc");
        if (Directory.Exists(proc) && !IsSymlink(proc))
        {
            Native.mount("proc", proc, "proc", 0, IntPtr.Zero);
        }

        var dev = Path.Combine(root, "dev");
        if (Directory.Exists(dev) && !IsSymlink(dev))
        {
            Native.mount("/dev", dev, null, Native.MsBind | Native.MsRec, IntPtr.Zero);
        }

        if (Native.chroot(root) != 0)
        {
            throw new InvalidOperationException($"cannot chroot into {root}: {Native.LastError()}");
        }
    }

    private static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>execvp's PATH search, with the step's PATH rather than the executor's.</summary>
    private static string FindProgram(string name, IReadOnlyList<string> environment)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return name;
        }

        var path = environment.FirstOrDefault(v => v.StartsWith("PATH=", StringComparison.Ordinal))?[5..]
            ?? StageDefaults.Path;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name}: not found in PATH ({path})");
    }
}
