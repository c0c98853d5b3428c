package io.caption4j.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.util.ModelSerializer;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A {@link ComputationGraph} whose score also counts the penalties of {@link PenaltySource} vertices (the
 * decoder's doubly stochastic attention penalty). DL4J adds only layers' regularisation to the score, so the
 * penalty enters here, next to L1/L2, and its gradient in the vertex's own backward pass.
 */
public class CaptionGraph extends ComputationGraph {
    public CaptionGraph(ComputationGraphConfiguration configuration) {
        super(configuration);
    }

    /** Saves configuration, parameters and updater state (DL4J's model zip format). */
    public void save(File file) throws IOException {
        ModelSerializer.writeModel(this, file, true);
    }

    /** Writes configuration, parameters and updater state to a stream (DL4J's model zip format). */
    public void save(OutputStream out) throws IOException {
        ModelSerializer.writeModel(this, out, true);
    }

    /** Loads a network saved by {@link #save} (or by DL4J's ModelSerializer) as a CaptionGraph. */
    public static CaptionGraph load(File file) throws IOException {
        if (!file.isFile()) {
            throw new FileNotFoundException("No model file at " + file.getAbsolutePath());
        }
        ComputationGraph plain;
        try {
            plain = ModelSerializer.restoreComputationGraph(file, true);
        } catch (RuntimeException e) {
            throw new IOException("Cannot read a caption4j network from " + file + ": " + e.getMessage(), e);
        }
        return of(plain);
    }

    /** Loads a network written by {@link #save(OutputStream)}; the stream is read to its end, not closed. */
    public static CaptionGraph load(InputStream in, String name) throws IOException {
        ComputationGraph plain;
        try {
            plain = ModelSerializer.restoreComputationGraph(in, true);
        } catch (RuntimeException e) {
            throw new IOException("Cannot read a caption4j network from " + name + ": " + e.getMessage(), e);
        }
        return of(plain);
    }

    private static CaptionGraph of(ComputationGraph plain) {
        CaptionGraph g = new CaptionGraph(plain.getConfiguration());
        g.init(plain.params(), false);
        if (plain.getUpdater(false) != null && plain.getUpdater(false).getStateViewArray() != null) {
            g.getUpdater(true).getStateViewArray().assign(plain.getUpdater(false).getStateViewArray());
        }
        return g;
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        double score = super.calcRegularizationScore(backpropParamsOnly);
        if (getVertices() != null) {
            for (GraphVertex v : getVertices()) {
                if (v instanceof PenaltySource) {
                    score += ((PenaltySource) v).penaltyScore();
                }
            }
        }
        return score;
    }
}
