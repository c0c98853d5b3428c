package io.caption4j.zoo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.caption4j.zoo.inception.KerasConvNet;
import io.caption4j.zoo.tfjs.JsLiteral;
import io.caption4j.zoo.tfjs.TfjsModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.*;

/** The TF.js reader and the Keras runner on a tiny model built here: conv 2x2 + batch norm + relu + dense. */
class TfjsModelTest {
    // conv: kernel [2, 2, 1, 2] (kh, kw, in, out), no bias; bn over 2 channels; dense [2, 1] on the pooled map
    static final String TOPOLOGY = "{modelTopology:{model_config:{class_name:\"Model\",config:{layers:["
            + "{name:\"in\",class_name:\"InputLayer\",config:{batch_input_shape:[null,3,3,1]},inbound_nodes:[]},"
            + "{name:\"c\",class_name:\"Conv2D\",config:{kernel_size:[2,2],strides:[1,1],padding:\"valid\","
            + "dilation_rate:[1,1],use_bias:!1},inbound_nodes:[[[\"in\",0,0,{}]]]},"
            + "{name:\"bn\",class_name:\"BatchNormalization\",config:{epsilon:.001,center:!0,scale:!0},"
            + "inbound_nodes:[[[\"c\",0,0,{}]]]},"
            + "{name:\"r\",class_name:\"Activation\",config:{activation:\"relu\"},inbound_nodes:[[[\"bn\",0,0,{}]]]},"
            + "{name:\"p\",class_name:\"AveragePooling2D\",config:{pool_size:[2,2],strides:[2,2],padding:\"valid\"},"
            + "inbound_nodes:[[[\"r\",0,0,{}]]]},"
            + "{name:\"f\",class_name:\"Flatten\",config:{},inbound_nodes:[[[\"p\",0,0,{}]]]},"
            + "{name:\"d\",class_name:\"Dense\",config:{activation:\"linear\",use_bias:!0},inbound_nodes:[[[\"f\",0,0,{}]]]}"
            + "]}}},weightsManifest:[{paths:[\"shard1\"],weights:["
            + "{name:\"c/kernel\",shape:[2,2,1,2],dtype:\"float32\"},"
            + "{name:\"bn/gamma\",shape:[2],dtype:\"float32\"},{name:\"bn/beta\",shape:[2],dtype:\"float32\"},"
            + "{name:\"bn/moving_mean\",shape:[2],dtype:\"float32\"},{name:\"bn/moving_variance\",shape:[2],dtype:\"float32\"},"
            + "{name:\"d/kernel\",shape:[2,1],dtype:\"float32\",quantization:{min:-1,scale:.5,dtype:\"uint8\"}},"
            + "{name:\"d/bias\",shape:[1],dtype:\"float32\"}]}]}";

    static final float[] KERNEL = {1, -1, 0.5f, 2, -1, 1, 0.25f, 0}; // [kh][kw][in][out] order
    static final float[] GAMMA = {2, 0.5f}, BETA = {0.1f, -0.2f}, MEAN = {0.3f, -0.1f}, VAR = {4, 0.25f};

    static byte[] shard(boolean extraByte) {
        ByteBuffer b = ByteBuffer.allocate(4 * (8 + 8) + 2 + 4 + (extraByte ? 1 : 0)).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] a : new float[][]{KERNEL, GAMMA, BETA, MEAN, VAR}) {
            for (float v : a) {
                b.putFloat(v);
            }
        }
        b.put((byte) 4).put((byte) 1);  // d/kernel quantised: -1 + 0.5 * q = {1, -0.5}
        b.putFloat(0.25f);              // d/bias
        return b.array();
    }

    static TfjsModel model(byte[] shard) {
        return TfjsModel.read(TOPOLOGY, p -> p.equals("shard1") ? shard : null, "tiny");
    }

    @Test
    void readsJsWrappedModelAndBase64ShardsLikeTheNpmPackage() {
        String js = "!function(a){module.exports=a()}(function(){return{1:[function(a,n,i){n.exports=" + TOPOLOGY.substring(0)
                + "},{}]}});";
        byte[] shardModule = ("!function(d){module.exports=d()}(function(){return{1:[function(d,h,Z){h.exports=\""
                + Base64.getEncoder().encodeToString(shard(false)) + "\"},{}]}});").getBytes(StandardCharsets.ISO_8859_1);
        TfjsModel m = TfjsModel.read(js, p -> p.equals("shard1") ? shardModule : null, "wrapped");
        assertEquals(7, m.weights().size());
        assertArrayEquals(new float[]{1f, -0.5f}, m.weight("d/kernel", "t").toFloatVector(), 0f, "dequantised uint8");
    }

    @Test
    void runsTheGraphWithFoldedBatchNorm() {
        KerasConvNet net = new KerasConvNet(model(shard(false)), "tiny");
        float[] img = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        INDArray x = Nd4j.create(img, new long[]{1, 1, 3, 3}, DataType.FLOAT);
        Map<String, INDArray> out = net.run(x, "r", "d");
        // by hand: conv (valid 2x2) -> bn -> relu, then average of the 2x2 map, then dense
        float[] expected = new float[2];
        float[][] relu = new float[2][4];
        for (int o = 0; o < 2; o++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    float s = 0;
                    for (int u = 0; u < 2; u++) {
                        for (int v = 0; v < 2; v++) {
                            s += img[(i + u) * 3 + j + v] * KERNEL[(u * 2 + v) * 2 + o];
                        }
                    }
                    float bn = (s - MEAN[o]) / (float) Math.sqrt(VAR[o] + 1e-3) * GAMMA[o] + BETA[o];
                    relu[o][i * 2 + j] = Math.max(0, bn);
                    expected[o] += relu[o][i * 2 + j] / 4;
                }
            }
        }
        INDArray r = out.get("r");
        for (int o = 0; o < 2; o++) {
            assertArrayEquals(relu[o], r.get(NDArrayIndex.point(0),
                    NDArrayIndex.point(o)).dup().reshape(4).toFloatVector(), 1e-4f);
        }
        float dense = expected[0] * 1f + expected[1] * -0.5f + 0.25f;
        assertEquals(dense, out.get("d").getFloat(0), 1e-4f);
    }

    @Test
    void missingWeightIsNamed() {
        String noBeta = TOPOLOGY.replace("{name:\"bn/beta\",shape:[2],dtype:\"float32\"},", "");
        byte[] shorter = java.util.Arrays.copyOfRange(shard(false), 0, shard(false).length);
        ByteBuffer b = ByteBuffer.allocate(shorter.length - 8);
        b.put(shorter, 0, 40).put(shorter, 48, shorter.length - 48);
        TfjsModel m = TfjsModel.read(noBeta, p -> b.array(), "nobeta.json");
        CaptionException e = assertThrows(CaptionException.class, () -> new KerasConvNet(m, "nobeta.json"));
        assertTrue(e.getMessage().contains("nobeta.json") && e.getMessage().contains("bn/beta"), e.getMessage());
    }

    @Test
    void wrongShardSizesAreReported() {
        CaptionException longer = assertThrows(CaptionException.class, () -> model(shard(true)));
        assertTrue(longer.getMessage().contains("1 bytes longer"), longer.getMessage());
        byte[] full = shard(false);
        CaptionException shorter = assertThrows(CaptionException.class,
                () -> model(java.util.Arrays.copyOf(full, full.length - 3)));
        assertTrue(shorter.getMessage().contains("tiny") && shorter.getMessage().contains("d/bias"), shorter.getMessage());
        CaptionException missing = assertThrows(CaptionException.class,
                () -> TfjsModel.read(TOPOLOGY, p -> null, "nomodel"));
        assertTrue(missing.getMessage().contains("shard1") && missing.getMessage().contains("missing"));
    }

    @Test
    void uint16QuantisationAndFloat16AreHandled() {
        String topo = "{\"modelTopology\":{\"model_config\":{}},\"weightsManifest\":[{\"paths\":[\"s\"],\"weights\":["
                + "{\"name\":\"a\",\"shape\":[3],\"dtype\":\"float32\","
                + "\"quantization\":{\"min\":-2,\"scale\":0.001,\"dtype\":\"uint16\"}},"
                + "{\"name\":\"b\",\"shape\":[1],\"dtype\":\"float16\"}]}]}";
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0).putShort((short) 2000).putShort((short) 65535).putShort((short) 0);
        CaptionException e = assertThrows(CaptionException.class, () -> TfjsModel.read(topo, p -> b.array(), "q16"));
        assertTrue(e.getMessage().contains("unsupported dtype float16"), e.getMessage());
        String only16 = topo.replace(",{\"name\":\"b\",\"shape\":[1],\"dtype\":\"float16\"}", "");
        TfjsModel m = TfjsModel.read(only16, p -> java.util.Arrays.copyOf(b.array(), 6), "q16");
        assertArrayEquals(new float[]{-2f, 0f, -2f + 65.535f}, m.weight("a", "q16").toFloatVector(), 1e-4f);
    }

    @Test
    void notAModel() {
        assertThrows(CaptionException.class, () -> TfjsModel.read("{\"foo\": 1}", p -> null, "x.json"));
        assertThrows(CaptionException.class, () -> TfjsModel.read("{not json", p -> null, "x.json"));
        assertThrows(CaptionException.class, () -> TfjsModel.read("var a = 3;", p -> null, "x.js"));
    }

    @Test
    void jsLiteralToJson() {
        assertEquals("{\"a\":true,\"b\":[0.5,-0.25,1e-3],\"c\":\"x:y !0 .5\",\"d\":null,\"e\":false}",
                JsLiteral.toJson("{a:!0,b:[.5,-.25,1e-3],c:\"x:y !0 .5\",d:null,e:!1}"));
    }
}
