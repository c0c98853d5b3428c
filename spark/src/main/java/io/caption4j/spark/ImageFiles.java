package io.caption4j.spark;

import java.io.IOException;
import java.io.InputStream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Reads an image file's bytes on an executor through Hadoop's file systems, so a path may be local ({@code file:}),
 * HDFS or S3 ({@code s3a:}, with the cluster's Hadoop configuration), as Spark's {@code binaryFile} source lists them.
 */
final class ImageFiles {
    /** Larger files are refused before they are read (the image loader's pixel limit applies after decoding). */
    static final long MAX_BYTES = 256L << 20;
    private static final ThreadLocal<Configuration> CONF = ThreadLocal.withInitial(Configuration::new);

    private ImageFiles() {
    }

    /** The file's bytes; an IOException says what went wrong. */
    static byte[] read(String pathOrUri) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(pathOrUri);
        FileSystem fs = p.getFileSystem(CONF.get());
        long size = fs.getFileStatus(p).getLen();
        if (size > MAX_BYTES) {
            throw new IOException("the file has " + size + " bytes, more than the " + MAX_BYTES + " an image may have");
        }
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }
}
