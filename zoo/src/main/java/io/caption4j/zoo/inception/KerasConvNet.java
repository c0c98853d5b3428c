package io.caption4j.zoo.inception;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

/**
 * An inference-only runner for a Keras functional convolutional network (the layer types of InceptionV3:
 * Conv2D, BatchNormalization, Activation, pooling, Concatenate, Flatten, Dense, Dropout), as direct ND4J ops
 * in NCHW. Each batch normalisation that follows a convolution is folded into that convolution's weights and
 * bias at load time, and ReLU runs in place. Immutable after construction: safe for concurrent callers.
 * <p>Each supported layer type is a {@link Kind}: how it loads its weights, how many channels it produces, and how
 * it computes its output, optionally into a target array (a channel slice of a concatenation: the concatenation
 * then copies nothing).
 */
public final class KerasConvNet {
    /** One node of the graph. */
    private static final class Node {
        String name, type;
        Kind kind;            // null for a type this runner does not support
        List<String> inputs = new ArrayList<>();
        JsonNode config;
        INDArray weight, bias; // conv: [out, in, kh, kw] and [out]; dense: [in, out] and [out]
        Conv2DConfig conv;
        Pooling2DConfig pool;
        String alias; // a folded batch norm returns its convolution's output

        String input() {
            return inputs.get(0);
        }
    }

    /** The supported Keras layer types. */
    private enum Kind {
        INPUT("InputLayer"),
        CONV("Conv2D") {
            @Override
            void prepare(KerasConvNet net, Node n, TfjsModel model) {
                net.prepareConv(n, model);
            }

            @Override
            long channels(KerasConvNet net, Node n) {
                return n.weight.size(0);
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                INDArray x = net.eval(n.input(), values, null);
                INDArray[] in = {x, n.weight, n.bias};
                return Nd4j.exec(new Conv2D(in, net.into(n, target), n.conv))[0];          // [B, out, H', W']
            }
        },
        /** Folded into the convolution before it, whose output it returns. */
        BATCH_NORM("BatchNormalization") {
            @Override
            void prepare(KerasConvNet net, Node n, TfjsModel model) {
                Node conv = net.nodes.get(n.input());
                if (conv == null || conv.kind != CONV || net.consumers(conv.name) != 1) {
                    throw new CaptionException(net.source + ": batch normalisation " + n.name
                            + " does not follow a convolution; only conv + batch norm pairs are supported");
                }
                net.foldBatchNorm(conv, n, model);
                n.alias = conv.name;
            }

            @Override
            long channels(KerasConvNet net, Node n) {
                return net.outputChannels(n.alias);
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                return net.eval(n.alias, values, target);
            }
        },
        ACTIVATION("Activation") {
            @Override
            long channels(KerasConvNet net, Node n) {
                return net.outputChannels(n.input());
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                String act = n.config.get("activation").asText();
                if (act.equals("relu")) {
                    // in place when this node is its input's only user: then the input may even be computed in the target
                    boolean inPlace = net.consumers(n.input()) <= 1;
                    INDArray x = net.eval(n.input(), values, inPlace ? net.intoArray(n, target) : null);
                    return Transforms.relu(x, !inPlace);
                }
                INDArray x = net.eval(n.input(), values, null);
                if (act.equals("softmax")) {
                    return Transforms.softmax(x, true);
                } else if (act.equals("linear")) {
                    return x;
                }
                throw new CaptionException(net.source + ": unsupported activation " + act + " in " + n.name);
            }
        },
        MAX_POOL("MaxPooling2D") {
            @Override
            void prepare(KerasConvNet net, Node n, TfjsModel model) {
                preparePool(n);
            }

            @Override
            long channels(KerasConvNet net, Node n) {
                return net.outputChannels(n.input());
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                INDArray x = net.eval(n.input(), values, null);
                return Nd4j.exec(new MaxPooling2D(x, net.intoArray(n, target), n.pool))[0];
            }
        },
        AVG_POOL("AveragePooling2D") {
            @Override
            void prepare(KerasConvNet net, Node n, TfjsModel model) {
                preparePool(n);
            }

            @Override
            long channels(KerasConvNet net, Node n) {
                return net.outputChannels(n.input());
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                INDArray x = net.eval(n.input(), values, null);
                return Nd4j.exec(new AvgPooling2D(x, net.intoArray(n, target), n.pool))[0];
            }
        },
        /** Along the channels; each input after the first is computed directly into its slice of the output. */
        CONCAT("Concatenate") {
            @Override
            long channels(KerasConvNet net, Node n) {
                long c = 0;
                for (String i : n.inputs) {
                    c += net.outputChannels(i);
                }
                return c;
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                INDArray first = net.eval(n.input(), values, null);                     // its shape sizes the output
                long channels = first.size(1);
                for (String i : n.inputs.subList(1, n.inputs.size())) {
                    channels += net.outputChannels(i);
                }
                INDArray out = target != null ? target
                        : Nd4j.createUninitialized(first.dataType(), first.size(0), channels, first.size(2), first.size(3));
                long at = 0;
                for (int k = 0; k < n.inputs.size(); k++) {
                    long c = k == 0 ? first.size(1) : net.outputChannels(n.inputs.get(k));
                    INDArray slice = out.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + c), NDArrayIndex.all(),
                            NDArrayIndex.all());
                    if (k == 0) {
                        slice.assign(first);
                    } else {
                        net.eval(n.inputs.get(k), values, slice);
                    }
                    at += c;
                }
                return out;
            }
        },
        FLATTEN("Flatten") {
            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                INDArray x = net.eval(n.input(), values, null);
                // Keras flattens channels-last: move channels last first (a no-op for 1x1 maps)
                return x.permute(0, 2, 3, 1).dup('c').reshape(x.size(0), -1);
            }
        },
        DENSE("Dense") {
            @Override
            void prepare(KerasConvNet net, Node n, TfjsModel model) {
                n.weight = model.weight(n.name + "/kernel", net.source);
                n.bias = n.config.get("use_bias").asBoolean(true) ? model.weight(n.name + "/bias", net.source) : null;
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                INDArray y = net.eval(n.input(), values, null).mmul(n.weight);
                if (n.bias != null) {
                    y.addiRowVector(n.bias);
                }
                String act = n.config.get("activation").asText();
                if (act.equals("relu")) {
                    Transforms.relu(y, false);
                } else if (act.equals("softmax")) {
                    y = Transforms.softmax(y, false);
                } else if (!act.equals("linear")) {
                    throw new CaptionException(net.source + ": unsupported activation " + act + " in " + n.name);
                }
                return y;
            }
        },
        /** Inference: the identity. */
        DROPOUT("Dropout") {
            @Override
            long channels(KerasConvNet net, Node n) {
                return net.outputChannels(n.input());
            }

            @Override
            INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
                return net.eval(n.input(), values, null);
            }
        };

        /** The Keras class name. */
        final String kerasName;

        Kind(String kerasName) {
            this.kerasName = kerasName;
        }

        /** The kind of a Keras class name, or null when not supported. */
        static Kind of(String kerasName) {
            for (Kind k : values()) {
                if (k.kerasName.equals(kerasName)) {
                    return k;
                }
            }
            return null;
        }

        /** Loads the node's weights and settings at construction. */
        void prepare(KerasConvNet net, Node n, TfjsModel model) {
        }

        /** The channels the node produces. */
        long channels(KerasConvNet net, Node n) {
            throw new CaptionException(net.source + ": cannot tell the channels of " + n.name + " (" + n.type + ")");
        }

        /**
         * The node's output, its inputs evaluated through {@link KerasConvNet#eval}. It may write into target
         * (not null: an array of the output's shape) and return it; any other result is copied there.
         */
        INDArray apply(KerasConvNet net, Node n, Map<String, INDArray> values, INDArray target) {
            throw new CaptionException(net.source + ": cannot run layer type " + n.type);
        }
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
            n.kind = Kind.of(n.type);
            n.config = l.get("config");
            for (JsonNode inbound : l.get("inbound_nodes")) {
                for (JsonNode ref : inbound) {
                    n.inputs.add(ref.get(0).asText());
                }
            }
            if (n.kind == Kind.INPUT) {
                in = n.name;
            }
            nodes.put(n.name, n);
        }
        if (in == null) {
            throw new CaptionException(source + ": the model has no InputLayer");
        }
        if (keepOutputs.length > 0) {
            Set<String> keep = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>(Arrays.asList(keepOutputs));
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
            if (n.kind == null) {
                throw new CaptionException(source + ": layer " + n.name + " has unsupported type " + n.type);
            }
            n.kind.prepare(this, n, model);
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
        long[] ks = pair(n.config.get("kernel_size")), st = pair(n.config.get("strides"));
        long[] dl = pair(n.config.get("dilation_rate"));
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
                result.put(o, eval(o, values, null));
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

    private int consumers(String name) {
        return consumers.getOrDefault(name, 0);
    }

    /** The target when the node may write its output there (it is its value's only user), else null. */
    private INDArray intoArray(Node n, INDArray target) {
        return target != null && consumers(n.name) <= 1 ? target : null;
    }

    /** {@link #intoArray} as the output arguments of a custom op: null lets the op allocate its output. */
    private INDArray[] into(Node n, INDArray target) {
        INDArray t = intoArray(n, target);
        return t == null ? null : new INDArray[]{t};
    }

    /**
     * Evaluates a node once per run (later calls reuse its value); with a target (a channel slice of a
     * concatenation's output) the result ends up there, written directly by the convolution, pooling, in-place
     * ReLU or inner concatenation that produces it when it can, else copied.
     */
    private INDArray eval(String name, Map<String, INDArray> values, INDArray target) {
        INDArray v = values.get(name);
        if (v == null) {
            Node n = nodes.get(name);
            v = n.kind.apply(this, n, values, target);
            if (target != null && v != target) {
                target.assign(v);
                v = target;
            }
            values.put(name, v);
        } else if (target != null) {
            target.assign(v);
            return target;
        }
        return v;
    }

    /** Channels a node produces (convolutions, concatenations, and layers that keep their input's channels). */
    private long outputChannels(String name) {
        Node n = nodes.get(name);
        return n.kind.channels(this, n);
    }
}
