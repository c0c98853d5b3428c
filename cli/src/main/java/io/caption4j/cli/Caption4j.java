package io.caption4j.cli;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

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

    /**
     * What went wrong, in one line: a {@link CaptionException}'s or argument error's own message, a file error's path,
     * an out-of-memory hint; anything else by class and message (CAPTION4J_DEBUG=1 prints the stack trace too).
     */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip();
        if (e instanceof CaptionException || e instanceof IllegalArgumentException) {
            return m;
        }
        if (e instanceof UncheckedIOException && e.getCause() != null) {
            return oneLine(e.getCause());
        }
        if (e instanceof NoSuchFileException) {
            return m + ": no such file or folder";
        }
        if (e instanceof AccessDeniedException) {
            return m + ": permission denied";
        }
        if (e instanceof FileSystemException || e instanceof FileNotFoundException) {
            return m;
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + m + "); give Java more with CAPTION4J_JAVA_OPTS=-Xmx8g, or use smaller inputs";
        }
        return e.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m) + " (CAPTION4J_DEBUG=1 shows where)";
    }

    /** Runs a command line and returns its exit code; every error prints one line, not a stack trace, and exits 2. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Caption4j());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + oneLine(e));
            if (System.getenv("CAPTION4J_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return 2;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {          // errors picocli does not hand to the handler
            cli.getErr().println("error: " + oneLine(e));
            return 2;
        }
    }
}
