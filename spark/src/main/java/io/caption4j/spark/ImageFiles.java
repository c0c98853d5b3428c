package io.caption4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;

/**
 * Reads an image file's bytes on an executor through Hadoop's file systems, so a path may be local ({@code file:}),
 * HDFS or S3 ({@code s3a:}), as Spark's {@code binaryFile} source lists them. It carries the driver's Hadoop
 * configuration to the executors, so settings given to the job ({@code --conf spark.hadoop.fs.s3a...}, which an
 * executor's own {@code new Configuration()} does not see) apply to its reads too.
 */
final class ImageFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Larger files are refused before they are read (the image loader's pixel limit applies after decoding). */
    static final long MAX_BYTES = 256L << 20;

    private final HashMap<String, String> hadoopConf;
    private transient Configuration conf;

    private ImageFiles(HashMap<String, String> hadoopConf) {
        this.hadoopConf = hadoopConf;
    }

    /** The reader of a job of this session: its driver's Hadoop configuration. */
    static ImageFiles of(SparkSession spark) {
        HashMap<String, String> m = new HashMap<>();
        for (Map.Entry<String, String> e : spark.sparkContext().hadoopConfiguration()) {
            m.put(e.getKey(), e.getValue());
        }
        return new ImageFiles(m);
    }

    /** The file's bytes; an IOException says what went wrong. */
    byte[] read(String pathOrUri) throws IOException {
        if (conf == null) {                                   // once per task's copy of this reader
            Configuration c = new Configuration(false);
            hadoopConf.forEach(c::set);
            conf = c;
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(pathOrUri);
        FileSystem fs = p.getFileSystem(conf);                // Hadoop's cached instance: not ours to close
        long size = fs.getFileStatus(p).getLen();
        if (size > MAX_BYTES) {
            throw new IOException("the file has " + size + " bytes, more than the " + MAX_BYTES + " an image may have");
        }
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }
}
