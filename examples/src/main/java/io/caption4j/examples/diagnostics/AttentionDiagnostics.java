package io.caption4j.examples.diagnostics;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.FeaturePooling;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.FeatureProjection;
import io.caption4j.layers.ParamKeys;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Why is attention uniform? For each photo, the first word's attention inputs of a trained model: how much the
 * keys vary across regions against the state term they are added to, the share of saturated tanh units, and
 * the resulting scores' spread and alpha's entropy. Usage: {@code AttentionDiagnostics MODEL|default PHOTO...}
 * (run with {@code mvn -q -pl examples exec:java -Dexec.mainClass=... -Dexec.args="..."}).
 */
public final class AttentionDiagnostics {
    private AttentionDiagnostics() {
    }

    public static void main(String[] args) {
        try (CaptionModel m = args[0].equals("default") ? CaptionModel.pretrained() : ModelFiles.open(Path.of(args[0]))) {
            CaptionNetwork net = m.network();
            INDArray projW = net.getLayer(CaptionNetwork.PROJECTION).getParam("W");      // [C, F]
            INDArray projB = net.getLayer(CaptionNetwork.PROJECTION).getParam("b");      // [1, F]
            Map<String, INDArray> p = net.getVertex(CaptionNetwork.DECODER).paramTable(false);
            INDArray wF = p.get(ParamKeys.ATT_W_F), b = p.get(ParamKeys.ATT_B);          // [F, A], [A]
            INDArray wS = p.get(ParamKeys.ATT_W_S), v = p.get(ParamKeys.ATT_V);          // [S, A], [A, 1]
            ImageLoader loader = new ImageLoader();
            System.out.println("| photo | proj zeros | key std across regions | mean abs state term | tanh |pre|>2"
                    + " | score std | entropy / ln L |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (int i = 1; i < args.length; i++) {
                EncodedImage e = FeaturePooling.encodeAll(m.encoder(), List.of(loader.read(Path.of(args[i]))),
                        m.poolWindow()).get(0);
                INDArray f = e.spatial().reshape(e.regions(), e.channels()).castTo(projW.dataType()); // [L, C]
                INDArray proj = ((FeatureProjection) net.getLayer(CaptionNetwork.PROJECTION).conf().getLayer())
                        .getActivationFn().getActivation(f.mmul(projW).addRowVector(projB), false);   // [L, F]
                INDArray keys = proj.mmul(wF).addRowVector(b);                                        // [L, A]
                INDArray pooled = e.pooled().reshape(1, -1).castTo(projW.dataType());                 // [1, P]
                INDArray h0 = Transforms.relu(pooled.mmul(p.get(ParamKeys.INIT_W_H))
                        .addRowVector(p.get(ParamKeys.INIT_B_H)));                                   // [1, H]
                INDArray s = h0;
                if (wS.rows() != h0.columns()) {
                    INDArray c0 = Transforms.relu(pooled.mmul(p.get(ParamKeys.INIT_W_C))
                            .addRowVector(p.get(ParamKeys.INIT_B_C)));
                    s = Nd4j.hstack(h0, c0);                                                          // [1, 2H]
                }
                INDArray sA = s.mmul(wS);                                                             // [1, A]
                INDArray pre = keys.addRowVector(sA);                                                 // [L, A]
                INDArray score = Transforms.tanh(pre).mmul(v).reshape(-1);                            // [L]
                INDArray alpha = Transforms.softmax(score.reshape(1, -1)).reshape(-1);                // [L]
                double entropy = -alpha.mul(Transforms.log(alpha)).sumNumber().doubleValue() / Math.log(e.regions());
                System.out.printf("| %s | %.2f | %.3f | %.3f | %.2f | %.3f | %.3f |%n", Path.of(args[i]).getFileName(),
                        proj.eq(0).castTo(pre.dataType()).meanNumber().doubleValue(),
                        keys.std(0).meanNumber().doubleValue(), Transforms.abs(sA).meanNumber().doubleValue(),
                        Transforms.abs(pre).gt(2.0).castTo(pre.dataType()).meanNumber().doubleValue(),
                        score.stdNumber().doubleValue(), entropy);
            }
        }
    }
}
