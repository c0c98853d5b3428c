package io.caption4j.cli;

import java.io.UncheckedIOException;

import io.caption4j.core.CaptionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The caption4j command line: {@code caption4j <command> --help} lists every option of a command. */
@Command(name = "caption4j", mixinStandardHelpOptions = true, version = "caption4j 0.1.0-SNAPSHOT",
        description = "Describe images in words; train and evaluate captioners.",
        subcommands = {DescribeCommand.class, TrainCommand.class, EvaluateCommand.class, ExportCommand.class, ServeCommand.class,
                FeaturesCommand.class})
public final class Caption4j implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; user errors print one line, not a stack trace. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Caption4j());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CaptionException || e instanceof IllegalArgumentException
                    || e instanceof UncheckedIOException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
