package io.caption4j.zoo.inception;

import io.caption4j.core.CaptionException;
import io.caption4j.zoo.tfjs.TfjsModel;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.AvgPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference-only runner for a Keras functional convolutional network (the layer types of InceptionV3:
 * Conv2D, BatchNormalization, Activation, pooling, Concatenate, Flatten, Dense, Dropout), as direct ND4J ops
 * in NCHW. Each batch normalisation that follows a convolution is folded into that convolution's weights and
 * bias at load time, and ReLU runs in place. Immutable after construction: safe for concurrent callers.
 */
public final class KerasConvNet {
    /** One node of the graph. */
    private static final class Node {
        String name, type;
        List<String> inputs = new ArrayList<>();
        JsonNode config;
        INDArray weight, bias; // conv: [out, in, kh, kw] and [out]; dense: [in, out] and [out]
        Conv2DConfig conv;
        Pooling2DConfig pool;
        String alias; // a folded batch norm returns its convolution's output
    }

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> consumers = new HashMap<>();
    private final String input;
    private final String source;

    /** Builds the runner from a TF.js (Keras) model; source names it in error messages. */
    public KerasConvNet(TfjsModel model, String source) {
        this(model, source, new String[0]);
    }

    /**
     * As above, keeping only the layers needed for the given outputs (all when none are given): a headless
     * weights file (Keras' *_notop.h5) can then run with a topology that has a head.
     */
    public KerasConvNet(TfjsModel model, String source, String... keepOutputs) {
        this.source = source;
        JsonNode layers = model.modelConfig().get("config").get("layers");
        String in = null;
        for (JsonNode l : layers) {
            Node n = new Node();
            n.name = l.get("name").asText();
            n.type = l.get("class_name").asText();
            n.config = l.get("config");
            for (JsonNode inbound : l.get("inbound_nodes")) {
                for (JsonNode ref : inbound) {
                    n.inputs.add(ref.get(0).asText());
                }
            }
            if (n.type.equals("InputLayer")) {
                in = n.name;
            }
            nodes.put(n.name, n);
        }
        if (in == null) {
            throw new CaptionException(source + ": the model has no InputLayer");
        }
        if (keepOutputs.length > 0) {
            java.util.Set<String> keep = new java.util.HashSet<>();
            java.util.Deque<String> todo = new java.util.ArrayDeque<>(java.util.Arrays.asList(keepOutputs));
            while (!todo.isEmpty()) {
                String name = todo.pop();
                Node n = nodes.get(name);
                if (n == null) {
                    throw new CaptionException(source + ": no layer named " + name);
                }
                if (keep.add(name)) {
                    todo.addAll(n.inputs);
                }
            }
            nodes.keySet().retainAll(keep);
        }
        this.input = in;
        nodes.values().forEach(n -> n.inputs.forEach(i -> consumers.merge(i, 1, Integer::sum)));
        for (Node n : nodes.values()) {
            switch (n.type) {
                case "Conv2D":
                    prepareConv(n, model);
                    break;
                case "BatchNormalization":
                    Node conv = nodes.get(n.inputs.get(0));
                    if (conv == null || !conv.type.equals("Conv2D") || consumers.getOrDefault(conv.name, 0) != 1) {
                        throw new CaptionException(source + ": batch normalisation " + n.name
                                + " does not follow a convolution; only conv + batch norm pairs are supported");
                    }
                    foldBatchNorm(conv, n, model);
                    n.alias = conv.name;
                    break;
                case "MaxPooling2D":
                case "AveragePooling2D":
                    preparePool(n);
                    break;
                case "Dense":
                    n.weight = model.weight(n.name + "/kernel", source);
                    n.bias = n.config.get("use_bias").asBoolean(true) ? model.weight(n.name + "/bias", source) : null;
                    break;
                case "InputLayer":
                case "Activation":
                case "Concatenate":
                case "Flatten":
                case "Dropout":
                    break;
                default:
                    throw new CaptionException(source + ": layer " + n.name + " has unsupported type " + n.type);
            }
        }
    }

    private static long[] pair(JsonNode a) {
        return new long[]{a.get(0).asLong(), a.get(1).asLong()};
    }

    private void prepareConv(Node n, TfjsModel model) {
        INDArray k = model.weight(n.name + "/kernel", source);                       // [kh, kw, in, out]
        n.weight = k.permute(3, 2, 0, 1).dup('c');                                    // [out, in, kh, kw]
        n.bias = n.config.get("use_bias").asBoolean(false) ? model.weight(n.name + "/bias", source).dup()
                : Nd4j.zeros(DataType.FLOAT, k.size(3));
        long[] ks = pair(n.config.get("kernel_size")), st = pair(n.config.get("strides")), dl = pair(n.config.get("dilation_rate"));
        n.conv = Conv2DConfig.builder().kH(ks[0]).kW(ks[1]).sH(st[0]).sW(st[1]).pH(0).pW(0).dH(dl[0]).dW(dl[1])
                .paddingMode(n.config.get("padding").asText().equals("same") ? PaddingMode.SAME : PaddingMode.VALID)
                .dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX).build();
    }

    /** w' = w * gamma / sqrt(var + eps) per output channel; b' = (b - mean) * gamma / sqrt(var + eps) + beta. */
    private void foldBatchNorm(Node conv, Node bn, TfjsModel model) {
        double eps = bn.config.get("epsilon").asDouble(1e-3);
        INDArray mean = model.weight(bn.name + "/moving_mean", source);
        INDArray var = model.weight(bn.name + "/moving_variance", source);
        INDArray beta = bn.config.get("center").asBoolean(true) ? model.weight(bn.name + "/beta", source)
                : Nd4j.zeros(DataType.FLOAT, mean.length());
        INDArray gamma = bn.config.get("scale").asBoolean(true) ? model.weight(bn.name + "/gamma", source)
                : Nd4j.ones(DataType.FLOAT, mean.length());
        INDArray factor = gamma.div(Transforms.sqrt(var.add(eps), false));           // [out]
        long out = conv.weight.size(0);
        conv.weight = conv.weight.reshape(out, -1).mulColumnVector(factor.reshape(out, 1))
                .reshape(conv.weight.shape()).dup('c');                               // [out, in, kh, kw]
        conv.bias = conv.bias.sub(mean).muli(factor).addi(beta);                      // [out]
    }

    private static void preparePool(Node n) {
        long[] ps = pair(n.config.get("pool_size")), st = pair(n.config.get("strides"));
        n.pool = Pooling2DConfig.builder().kH(ps[0]).kW(ps[1]).sH(st[0]).sW(st[1]).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(n.config.get("padding").asText().equals("same") ? PaddingMode.SAME : PaddingMode.VALID)
                .divisor(Pooling2D.Divisor.EXCLUDE_PADDING).isNHWC(false).build();
    }

    /** Whether the graph has a layer of that name. */
    public boolean hasLayer(String name) {
        return nodes.containsKey(name);
    }

    /**
     * Runs the graph on input [B, C, H, W] (NCHW, already preprocessed) and returns the outputs of the named
     * layers, computing only what they need. Layers after the last requested one are not run.
     */
    public Map<String, INDArray> run(INDArray x, String... outputs) {
        for (String o : outputs) {
            if (!nodes.containsKey(o)) {
                throw new CaptionException(source + ": no layer named " + o);
            }
        }
        Map<String, INDArray> values = new HashMap<>();
        Map<String, INDArray> result = new LinkedHashMap<>();
        INDArray in = x.isAttached() ? x.detach() : x;
        // every intermediate map lives in this thread's workspace, reused call after call: no allocation or
        // garbage per image (a fresh 8 MB array costs milliseconds here, and garbage off-heap waits for the GC)
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, workspaceId)) {
            values.put(input, in);
            for (String o : outputs) {
                result.put(o, eval(o, values));
            }
            for (Map.Entry<String, INDArray> e : result.entrySet()) {
                e.setValue(e.getValue().detach());                                       // copy out of the workspace
            }
        }
        return result;
    }

    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0).overallocationLimit(0.1)
            .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.FIRST_LOOP)
            .policyMirroring(MirroringPolicy.FULL).policySpill(SpillPolicy.REALLOCATE).build();
    private final String workspaceId = "caption4j-encoder-" + System.identityHashCode(this);

    private INDArray eval(String name, Map<String, INDArray> values) {
        return eval(name, values, null);
    }

    /**
     * Evaluates a node; with a target (a channel slice of a concatenation's output) the node writes its result
     * there, so concatenations copy nothing: the target passes through in-place ReLUs and folded batch norms
     * to the convolution, pooling or inner concatenation that produces the values.
     */
    private INDArray eval(String name, Map<String, INDArray> values, INDArray target) {
        INDArray v = values.get(name);
        if (v != null) {
            if (target != null) {
                target.assign(v);
                return target;
            }
            return v;
        }
        Node n = nodes.get(name);
        boolean sole = consumers.getOrDefault(name, 0) <= 1;
        if (n.alias != null) {
            v = eval(n.alias, values, target);
        } else if (target != null && sole && n.type.equals("Activation") && n.config.get("activation").asText().equals("relu")
                && consumers.getOrDefault(n.inputs.get(0), 0) == 1) {
            v = Transforms.relu(eval(n.inputs.get(0), values, target), false);             // in place in the target
        } else if (n.type.equals("Concatenate")) {
            List<INDArray> parts = new ArrayList<>();
            long channels = 0;
            INDArray first = null;
            for (String i : n.inputs) {
                if (first == null) {
                    first = eval(i, values);                                               // its shape sizes the output
                    parts.add(first);
                    channels += first.size(1);
                } else {
                    parts.add(null);
                    channels += outputChannels(i);
                }
            }
            INDArray out = target != null ? target
                    : Nd4j.createUninitialized(first.dataType(), first.size(0), channels, first.size(2), first.size(3));
            long at = 0;
            for (int k = 0; k < n.inputs.size(); k++) {
                long c = k == 0 ? first.size(1) : outputChannels(n.inputs.get(k));
                INDArray slice = out.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + c), NDArrayIndex.all(), NDArrayIndex.all());
                if (k == 0) {
                    slice.assign(first);
                } else {
                    eval(n.inputs.get(k), values, slice);
                }
                at += c;
            }
            v = out;
        } else if (target != null && sole && (n.type.equals("Conv2D") || n.type.equals("MaxPooling2D") || n.type.equals("AveragePooling2D"))) {
            INDArray x = eval(n.inputs.get(0), values);
            if (n.type.equals("Conv2D")) {
                Nd4j.exec(new Conv2D(new INDArray[]{x, n.weight, n.bias}, new INDArray[]{target}, n.conv));
            } else if (n.type.equals("MaxPooling2D")) {
                Nd4j.exec(new MaxPooling2D(x, target, n.pool));
            } else {
                Nd4j.exec(new AvgPooling2D(x, target, n.pool));
            }
            v = target;
        } else {
            List<INDArray> in = new ArrayList<>();
            for (String i : n.inputs) {
                in.add(eval(i, values));
            }
            v = apply(n, in);
            if (target != null) {
                target.assign(v);
                v = target;
            }
        }
        values.put(name, v);
        return v;
    }

    /** Channels a node produces (convolutions, concatenations, and layers that keep their input's channels). */
    private long outputChannels(String name) {
        Node n = nodes.get(name);
        if (n.alias != null) {
            return outputChannels(n.alias);
        }
        switch (n.type) {
            case "Conv2D":
                return n.weight.size(0);
            case "Concatenate":
                long c = 0;
                for (String i : n.inputs) {
                    c += outputChannels(i);
                }
                return c;
            case "Activation":
            case "MaxPooling2D":
            case "AveragePooling2D":
            case "Dropout":
                return outputChannels(n.inputs.get(0));
            default:
                throw new CaptionException(source + ": cannot tell the channels of " + name + " (" + n.type + ")");
        }
    }

    private INDArray apply(Node n, List<INDArray> in) {
        INDArray x = in.isEmpty() ? null : in.get(0);
        switch (n.type) {
            case "Conv2D":
                return Nd4j.exec(new Conv2D(x, n.weight, n.bias, n.conv))[0];               // [B, out, H', W']
            case "Activation": {
                String act = n.config.get("activation").asText();
                if (act.equals("relu")) {
                    return Transforms.relu(x, consumers.getOrDefault(n.inputs.get(0), 0) > 1); // in place if sole user
                } else if (act.equals("softmax")) {
                    return Transforms.softmax(x, true);
                } else if (act.equals("linear")) {
                    return x;
                }
                throw new CaptionException(source + ": unsupported activation " + act + " in " + n.name);
            }
            case "MaxPooling2D":
                return Nd4j.exec(new MaxPooling2D(x, null, n.pool))[0];
            case "AveragePooling2D":
                return Nd4j.exec(new AvgPooling2D(x, null, n.pool))[0];
            case "Concatenate":
                return Nd4j.concat(1, in.toArray(new INDArray[0]));                      // channels
            case "Flatten":
                // Keras flattens channels-last: move channels last first (a no-op for 1x1 maps)
                return x.permute(0, 2, 3, 1).dup('c').reshape(x.size(0), -1);
            case "Dropout":
                return x;
            case "Dense": {
                INDArray y = x.mmul(n.weight);
                if (n.bias != null) {
                    y.addiRowVector(n.bias);
                }
                String act = n.config.get("activation").asText();
                if (act.equals("relu")) {
                    Transforms.relu(y, false);
                } else if (act.equals("softmax")) {
                    y = Transforms.softmax(y, false);
                } else if (!act.equals("linear")) {
                    throw new CaptionException(source + ": unsupported activation " + act + " in " + n.name);
                }
                return y;
            }
            default:
                throw new CaptionException(source + ": cannot run layer type " + n.type);
        }
    }
}
