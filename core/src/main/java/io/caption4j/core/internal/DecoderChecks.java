package io.caption4j.core.internal;

import io.caption4j.core.CaptionException;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.CaptionNetwork;
import org.deeplearning4j.nn.conf.graph.GraphVertex;

/** The checks a network must pass before caption4j uses it, written once for models and the trainer. Not API. */
public final class DecoderChecks {
    private DecoderChecks() {
    }

    /** The network's attention decoder configuration; a CaptionException if it was not made by CaptionNetwork. */
    public static AttentionDecoder decoder(CaptionNetwork network) {
        GraphVertex v = network.getConfiguration().getVertices().get(CaptionNetwork.DECODER);
        if (!(v instanceof AttentionDecoder)) {
            throw new CaptionException("The network was not made by CaptionNetwork.builder() (no '" + CaptionNetwork.DECODER
                    + "' attention decoder)");
        }
        return (AttentionDecoder) v;
    }

    /** The decoder, checked to predict exactly the vocabulary's words. */
    public static AttentionDecoder decoder(CaptionNetwork network, int vocabularySize) {
        AttentionDecoder dec = decoder(network);
        if (dec.getVocabularySize() != vocabularySize) {
            throw new CaptionException("The network predicts " + dec.getVocabularySize() + " words but the vocabulary has "
                    + vocabularySize + ": build it with vocabularySize(vocabulary.size())");
        }
        return dec;
    }
}
