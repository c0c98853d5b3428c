import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.image.FeaturePooling;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.CaptionNetwork;

/**
 * Records in a model file the feature grid its decoder reads (for a model saved before caption4j recorded it), so that
 * the network refuses features of another grid, e.g. a wrong pool window given to the builder. Parameters are unchanged.
 * Usage: java -cp cli/target/caption4j.jar zoo/scripts/RecordGrid.java IN.zip OUT.zip PHOTO
 */
public class RecordGrid {
    public static void main(String[] args) {
        try (CaptionModel m = CaptionModel.load(Path.of(args[0]))) {
            BufferedImage photo = new ImageLoader().read(Path.of(args[2]));
            int regions = FeaturePooling.encodeAll(m.encoder(), List.of(photo), m.poolWindow()).get(0).regions();
            for (CaptionNetwork net : m.networks()) {                // every decoder of an ensemble
                AttentionDecoder dec = (AttentionDecoder) net.getConfiguration().getVertices().get(CaptionNetwork.DECODER);
                System.out.println("decoder regions " + dec.getRegions() + " -> " + regions);
                dec.setRegions(regions);
            }
            m.save(Path.of(args[1]), true);      // float16, as the default model: its float16 values round-trip exactly
        }
    }
}
