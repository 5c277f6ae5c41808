package io.s3nas.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * A small builder of ONNX graphs over the protobuf classes bundled in nd4j-api: float initializers,
 * nodes with int/float attributes, fresh value names, one float input and output with a symbolic
 * batch dimension.
 */
final class OnnxGraph {
  static final int OPSET = 14;
  private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
  private int counter;

  OnnxGraph(String name) {
    graph.setName(name);
  }

  String fresh(String hint) {
    return hint + "_" + (counter++);
  }

  String initializer(String hint, float[] data, long... dims) {
    String name = fresh(hint);
    ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(data);
    graph.addInitializer(Onnx.TensorProto.newBuilder().setName(name)
        .setDataType(Onnx.TensorProto.DataType.FLOAT.getNumber()).addAllDims(longs(dims))
        .setRawData(ByteString.copyFrom(b.array())));
    return name;
  }

  String int64Initializer(String hint, long... values) {
    String name = fresh(hint);
    Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name)
        .setDataType(Onnx.TensorProto.DataType.INT64.getNumber()).addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    graph.addInitializer(t);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  String node(String op, List<String> inputs, Onnx.AttributeProto... attrs) {
    String out = fresh(op.toLowerCase());
    nodeWithOutputs(op, inputs, List.of(out), attrs);
    return out;
  }

  void nodeWithOutputs(String op, List<String> inputs, List<String> outputs, Onnx.AttributeProto... attrs) {
    Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(fresh("n_" + op))
        .addAllInput(inputs).addAllOutput(outputs);
    for (Onnx.AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    graph.addNode(n);
  }

  static Onnx.AttributeProto ints(String name, long... values) {
    return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS)
        .addAllInts(longs(values)).build();
  }

  static Onnx.AttributeProto intAttr(String name, long value) {
    return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
        .setI(value).build();
  }

  static Onnx.AttributeProto floatAttr(String name, float value) {
    return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
        .setF(value).build();
  }

  void input(String name, long... dims) {
    graph.addInput(value(name, dims));
  }

  void output(String name, long... dims) {
    graph.addOutput(value(name, dims));
  }

  /** The model; a dimension of -1 is the symbolic batch {@code N}. */
  byte[] model(String doc, List<String[]> metadata) {
    Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("s3nas")
        .setDocString(doc).addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph);
    for (String[] kv : metadata) {
      m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(kv[0]).setValue(kv[1]));
    }
    return m.build().toByteArray();
  }

  private static Onnx.ValueInfoProto value(String name, long... dims) {
    Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(d < 0 ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N")
          : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
        Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
        .build();
  }

  private static List<Long> longs(long... v) {
    List<Long> l = new ArrayList<>(v.length);
    for (long x : v) {
      l.add(x);
    }
    return l;
  }
}
