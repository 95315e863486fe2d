using Kaniko.Executor.Dockerfile;
using Kaniko.Executor.Dockerfile.Expansion;
using Kaniko.Executor.Dockerfile.Instructions;

namespace Kaniko.Executor.Tests.Dockerfile;

public sealed class InstructionFactoryTests
{
    private static T Single<T>(string line)
        where T : Instruction =>
        Assert.IsType<T>(Assert.Single(DockerfileReader.Read(line + "\n", "Dockerfile").Instructions));

    private static DockerfileException Fails(string text) =>
        Assert.Throws<DockerfileException>(() => DockerfileReader.Read(text, "Dockerfile"));

    [Fact]
    public void From_with_stage_name_and_platform()
    {
        var from = Single<FromInstruction>("FROM --platform=linux/arm64 golang:1.22 AS Build");

        Assert.Equal("golang:1.22", from.Image);
        Assert.Equal("build", from.StageName);
        Assert.Equal("linux/arm64", from.Platform);
        Assert.Equal(new SourceLocation("Dockerfile", 1, 1), from.Location);
        Assert.Equal("FROM --platform=linux/arm64 golang:1.22 AS Build", from.Text);
    }

    [Theory]
    [InlineData("FROM a b", "FROM requires either one or three arguments")]
    [InlineData("FROM a AS 1abc", "invalid name for build stage: \"1abc\"")]
    [InlineData("FROM a IN b", "did you mean AS instead of IN?")]
    [InlineData("FROM --plattform=x a", "unknown flag: plattform at column 6 (did you mean --platform?)")]
    [InlineData("FROM --platform a", "missing a value on flag: platform")]
    public void From_errors(string line, string message)
    {
        Assert.Contains(message, Fails(line).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_shell_and_exec_forms_with_flags()
    {
        var shell = Single<RunInstruction>("RUN --mount=type=cache,target=/c --mount=type=secret,id=x --network=none --security=insecure make all");
        var exec = Single<RunInstruction>("RUN [\"make\", \"all\"]");

        Assert.Equal(["make all"], shell.Command.Arguments);
        Assert.True(shell.Command.IsShellForm);
        Assert.Equal(["type=cache,target=/c", "type=secret,id=x"], shell.Mounts);
        Assert.Equal("none", shell.Network);
        Assert.Equal("insecure", shell.Security);
        Assert.False(exec.Command.IsShellForm);
        Assert.Equal(["make", "all"], exec.Command.Arguments);
    }

    [Theory]
    [InlineData("RUN", "RUN requires at least one argument")]
    [InlineData("RUN --network=bridge x", "unsupported network mode \"bridge\"")]
    [InlineData("RUN --link x", "unknown flag: link")]
    [InlineData("RUN --network=none --network=host x", "duplicate flag specified: network")]
    public void Run_errors(string line, string message)
    {
        Assert.Contains(message, Fails(line).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_heredoc_is_typed()
    {
        var run = Single<RunInstruction>("RUN <<-EOF\n\techo $HOME\n\tEOF");

        var heredoc = Assert.Single(run.Heredocs);
        Assert.Equal(new Heredoc("EOF", "\techo $HOME\n", true, true), heredoc);
        Assert.Equal("echo $HOME\n", heredoc.EffectiveContent);
    }

    [Fact]
    public void Copy_with_every_flag()
    {
        var copy = Single<CopyInstruction>("COPY --from=build --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=docs a b /dest/");

        Assert.Equal(["a", "b"], copy.Sources);
        Assert.Equal("/dest/", copy.Destination);
        Assert.Equal("build", copy.From);
        Assert.Equal("app:app", copy.Chown);
        Assert.Equal("0755", copy.Chmod);
        Assert.True(copy.Link);
        Assert.True(copy.Parents);
        Assert.Equal(["*.md", "docs"], copy.Excludes);
        Assert.False(copy.IsAdd);
        Assert.Equal("COPY", copy.Keyword);
    }

    [Fact]
    public void Add_with_checksum_and_git_flags()
    {
        var add = Single<CopyInstruction>("ADD --checksum=sha256:abc --keep-git-dir=true --link=false https://example.com/a.tgz /a");

        Assert.True(add.IsAdd);
        Assert.Equal("sha256:abc", add.Checksum);
        Assert.True(add.KeepGitDir);
        Assert.False(add.Link);
    }

    [Theory]
    [InlineData("COPY onlyone", "COPY requires at least two arguments, but only one was provided")]
    [InlineData("ADD", "ADD requires at least two arguments, but only none were provided")]
    [InlineData("COPY --keep-git-dir a b", "unknown flag: keep-git-dir")]
    [InlineData("ADD --from=x a b", "unknown flag: from")]
    [InlineData("ADD --checksum=sha256:a local /x", "checksum can't be specified for non-HTTP(S) sources")]
    [InlineData("COPY --link=maybe a b", "expecting boolean value for flag link, not: maybe")]
    [InlineData("COPY --chwon=1 a b", "did you mean --chown?")]
    [InlineData("COPY a <<EOF\nx\nEOF", "COPY cannot accept a heredoc as a destination")]
    public void Copy_errors(string text, string message)
    {
        Assert.Contains(message, Fails(text).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Copy_heredoc_sources_become_inline_files()
    {
        var copy = Single<CopyInstruction>("COPY <<a.txt <<'b.txt' src /dest/\nhello $NAME\na.txt\nraw $NAME\nb.txt");

        Assert.Equal(["src"], copy.Sources);
        Assert.Equal(
            [new Heredoc("a.txt", "hello $NAME\n", true, false), new Heredoc("b.txt", "raw $NAME\n", false, false)],
            copy.Heredocs);

        var expanded = (CopyInstruction)copy.Expand(new ShellWordExpander('\\', new Dictionary<string, string> { ["NAME"] = "world" }));

        Assert.Equal(["hello world\n", "raw $NAME\n"], expanded.Heredocs.Select(heredoc => heredoc.Content));
    }

    [Fact]
    public void Env_and_label_keep_raw_values_until_expanded()
    {
        var env = Single<EnvInstruction>("ENV A=\"x y\" B=$A\\ z");
        var label = Single<LabelInstruction>("LABEL \"com.example.$KEY\"=\"$VALUE\"");
        var expander = new ShellWordExpander('\\', new Dictionary<string, string> { ["A"] = "1", ["KEY"] = "k", ["VALUE"] = "v w" });

        Assert.Equal([new("A", "\"x y\""), new("B", "$A\\ z")], env.Variables);
        Assert.Equal([new("A", "x y"), new("B", "1 z")], ((EnvInstruction)env.Expand(expander)).Variables.Take(2));
        Assert.Equal([new("com.example.k", "v w")], ((LabelInstruction)label.Expand(expander)).Labels);
    }

    [Fact]
    public void Env_legacy_form_takes_the_rest_of_the_line()
    {
        var env = Single<EnvInstruction>("ENV PATH /usr/local/bin:$PATH");

        Assert.Equal([new("PATH", "/usr/local/bin:$PATH")], env.Variables);
    }

    [Fact]
    public void Arg_declarations_with_and_without_defaults()
    {
        var arg = Single<ArgInstruction>("ARG A B=\"two words\" C=");

        Assert.Equal([new("A", null), new("B", "\"two words\""), new("C", "")], arg.Arguments);
        var expanded = (ArgInstruction)arg.Expand(new ShellWordExpander('\\', new Dictionary<string, string>()));
        Assert.Equal("two words", expanded.Arguments[1].DefaultValue);
        Assert.Contains("ARG names can not be blank", Fails("ARG =x").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Simple_instructions_expand_their_field()
    {
        var expander = new ShellWordExpander('\\', new Dictionary<string, string> { ["DIR"] = "/app", ["U"] = "app", ["SIG"] = "TERM", ["PORTS"] = "80 443" });

        Assert.Equal("/app/src", ((WorkdirInstruction)Single<WorkdirInstruction>("WORKDIR $DIR/src").Expand(expander)).Path);
        Assert.Equal("app:app", ((UserInstruction)Single<UserInstruction>("USER ${U}:$U").Expand(expander)).User);
        Assert.Equal("SIGTERM", ((StopSignalInstruction)Single<StopSignalInstruction>("STOPSIGNAL SIG$SIG").Expand(expander)).Signal);
        Assert.Equal(["80", "443", "8080/udp"], ((ExposeInstruction)Single<ExposeInstruction>("EXPOSE $PORTS 8080/udp").Expand(expander)).Ports);
        Assert.Equal(["/app", "/data"], ((VolumeInstruction)Single<VolumeInstruction>("VOLUME [\"$DIR\", \"/data\"]").Expand(expander)).Paths);
    }

    [Fact]
    public void Commands_are_never_expanded()
    {
        var expander = new ShellWordExpander('\\', new Dictionary<string, string> { ["X"] = "1" });
        Instruction[] instructions =
        [
            Single<CmdInstruction>("CMD echo $X"),
            Single<EntrypointInstruction>("ENTRYPOINT [\"sh\", \"-c\", \"echo $X\"]"),
            Single<ShellInstruction>("SHELL [\"/bin/bash\", \"-c\"]"),
            Single<RunInstruction>("RUN echo $X"),
        ];

        Assert.All(instructions, instruction => Assert.Same(instruction, instruction.Expand(expander)));
    }

    [Fact]
    public void Volume_expanding_to_empty_is_an_error_at_its_line()
    {
        var volume = Single<VolumeInstruction>("VOLUME $NOTHING");

        var error = Assert.Throws<DockerfileException>(() => volume.Expand(new ShellWordExpander('\\', new Dictionary<string, string>())));

        Assert.StartsWith("Dockerfile:1: VOLUME specified can not be an empty string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expansion_errors_carry_the_instruction_location()
    {
        var instructions = DockerfileReader.Read("FROM a\nWORKDIR ${DIR:?must be set}\n", "Dockerfile").Instructions;

        var error = Assert.Throws<DockerfileException>(() => instructions[1].Expand(new ShellWordExpander('\\', new Dictionary<string, string>())));

        Assert.StartsWith("Dockerfile:2: failed to process \"${DIR:?must be set}\": DIR: must be set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Healthcheck_forms()
    {
        var shell = Single<HealthcheckInstruction>("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=0s --start-interval=2s --retries=3 CMD curl -f http://localhost/");
        var exec = Single<HealthcheckInstruction>("HEALTHCHECK CMD [\"/bin/check\", \"-q\"]");
        var none = Single<HealthcheckInstruction>("HEALTHCHECK none");

        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/"], shell.Test);
        Assert.Equal(TimeSpan.FromSeconds(90), shell.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), shell.Timeout);
        Assert.Equal(TimeSpan.Zero, shell.StartPeriod);
        Assert.Equal(TimeSpan.FromSeconds(2), shell.StartInterval);
        Assert.Equal(3, shell.Retries);
        Assert.Equal(["CMD", "/bin/check", "-q"], exec.Test);
        Assert.Null(exec.Interval);
        Assert.True(none.Disables);
    }

    [Theory]
    [InlineData("HEALTHCHECK", "HEALTHCHECK requires at least one argument")]
    [InlineData("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments")]
    [InlineData("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD")]
    [InlineData("HEALTHCHECK CONNECT TCP 7000", "Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)")]
    [InlineData("HEALTHCHECK --interval=5 CMD x", "invalid duration for --interval: \"5\"")]
    [InlineData("HEALTHCHECK --timeout=1ns CMD x", "cannot be less than 1ms")]
    [InlineData("HEALTHCHECK --retries=-1 CMD x", "--retries cannot be negative (-1)")]
    [InlineData("HEALTHCHECK --retries=x CMD x", "invalid value for --retries")]
    public void Healthcheck_errors(string line, string message)
    {
        Assert.Contains(message, Fails(line).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Onbuild_keeps_its_trigger_text()
    {
        var onbuild = Single<OnbuildInstruction>("onbuild  RUN make \\\n  install");

        Assert.Equal("RUN make   install", onbuild.Trigger);
    }

    [Theory]
    [InlineData("ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")]
    [InlineData("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger")]
    [InlineData("ONBUILD MAINTAINER x", "MAINTAINER isn't allowed as an ONBUILD trigger")]
    [InlineData("ONBUILD", "ONBUILD requires at least one argument")]
    [InlineData("ONBUILD COPY a", "COPY requires at least two arguments")]
    public void Onbuild_errors(string line, string message)
    {
        Assert.Contains(message, Fails(line).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("COPPY a b", "COPY")]
    [InlineData("RUNN x", "RUN")]
    [InlineData("ENTRYPIONT x", "ENTRYPOINT")]
    [InlineData("WROKDIR /a", "WORKDIR")]
    [InlineData("healtcheck NONE", "HEALTHCHECK")]
    public void Unknown_instruction_suggests_the_closest_keyword(string line, string suggestion)
    {
        var error = Fails("FROM a\n" + line + "\n");

        Assert.StartsWith("Dockerfile:2: unknown instruction: " + line.Split(' ')[0], error.Message, StringComparison.Ordinal);
        Assert.Contains($"(did you mean {suggestion}?)", error.Message, StringComparison.Ordinal);
        Assert.Equal(line.Split(' ')[0], error.Instruction?.Split(' ')[0]);
    }

    [Fact]
    public void Unrelated_unknown_instruction_has_no_suggestion()
    {
        var error = Fails("FROM a\nFROBNICATE x\n");

        Assert.Null(error.Hint);
    }

    [Theory]
    [InlineData("SHELL /bin/sh -c", "SHELL requires the arguments to be in JSON form")]
    [InlineData("SHELL []", "SHELL requires at least one argument")]
    [InlineData("WORKDIR", "WORKDIR requires exactly one argument")]
    [InlineData("USER", "USER requires exactly one argument")]
    [InlineData("EXPOSE", "EXPOSE requires at least one argument")]
    [InlineData("VOLUME [\"\"]", "VOLUME specified can not be an empty string")]
    [InlineData("LABEL", "LABEL requires at least one argument")]
    [InlineData("ENV", "ENV requires at least one argument")]
    [InlineData("ENV =x", "ENV names can not be blank")]
    [InlineData("CMD --flag x", "unknown flag: flag at column 5 (CMD takes no flags)")]
    [InlineData("MAINTAINER", "MAINTAINER requires exactly one argument")]
    public void Arity_and_form_errors(string line, string message)
    {
        Assert.Contains(message, Fails(line).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cmd_and_entrypoint_allow_empty_forms()
    {
        Assert.Empty(Single<CmdInstruction>("CMD []").Command.Arguments);
        Assert.False(Single<CmdInstruction>("CMD []").Command.IsShellForm);
        Assert.Empty(Single<EntrypointInstruction>("ENTRYPOINT").Command.Arguments);
    }

    [Fact]
    public void Maintainer_keeps_the_whole_line()
    {
        Assert.Equal("Jane Doe <jane@example.com>", Single<MaintainerInstruction>("MAINTAINER Jane Doe <jane@example.com>").Maintainer);
    }

    [Fact]
    public void Flag_errors_point_at_the_flag_column()
    {
        var error = Fails("FROM a\nCOPY --link --chwon=1 a b\n");

        Assert.StartsWith("Dockerfile:2: unknown flag: chwon at column 13", error.Message, StringComparison.Ordinal);
        Assert.Equal(13, error.Column);
    }
}
