package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyTableTest {
  @TempDir Path tmp;

  @Test
  void shipsTheWholeMidapTable() {
    LatencyTable t = TestData.midap();
    assertEquals(741, t.size());
    assertEquals(105211, t.value("Conv2D/k7_s22_i3_o32_imgsize224"));
    assertEquals(54425, t.value("MBConvBlock/r1_k3_s11_e2_i32_o32_c0_imgsize56"));
    assertEquals(46399, t.value("MBConvBlock/r1_k3_s11_e2_i32_o32_c0_noskip_imgsize56"));
  }

  @Test
  void folderAndCsvFormsRoundTrip() throws IOException {
    LatencyTable t = TestData.midap();
    Path folder = tmp.resolve("lut");
    t.writeFolder(folder, "latency");
    Files.writeString(folder.resolve("ConvBlock_kxk1x1").resolve("r1_k5_s22_e6_i48_o48_c15_noskip_imgsize166_tmp"), "garbage");
    LatencyTable back = LatencyTable.readFolder(folder, "latency");
    assertEquals(List.of("ConvBlock_kxk1x1/r1_k5_s22_e6_i48_o48_c15_noskip_imgsize166_tmp"), back.skipped());
    assertEquals(t.size(), back.size());
    for (LatencyTable.Entry e : t.entries()) {
      assertEquals(e.value(), back.value(e.tableKey()), e.tableKey());
    }
    Path csv = tmp.resolve("t.csv");
    try (var w = Files.newBufferedWriter(csv)) {
      back.writeCsv(w, "test");
    }
    LatencyTable again = LatencyTable.readCsv(csv);
    assertEquals(new ArrayList<>(back.entries()).size(), again.size());
    StringWriter a = new StringWriter();
    StringWriter b = new StringWriter();
    back.writeCsv(a, null);
    again.writeCsv(b, null);
    assertEquals(a.toString(), b.toString());
  }

  @Test
  void corruptFolderEntryNamesTheFile() throws IOException {
    Path f = tmp.resolve("lut/MBConvBlock/r1_k3_s11_e2_i8_o8_c0_imgsize8");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "{\"latency\": ");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> LatencyTable.readFolder(tmp.resolve("lut"), "latency"));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    Files.writeString(f, "{\"cycles\": 5}");
    e = assertThrows(InvalidInputException.class, () -> LatencyTable.readFolder(tmp.resolve("lut"), "latency"));
    assertEquals("latency", e.field());
  }

  @Test
  void badCsvLinesNameTheLine() throws IOException {
    Path csv = tmp.resolve("bad.csv");
    Files.writeString(csv, "component,key,input_size,value\nMBConvBlock,r1_k3_s11_e2_i8_o8_c0,8,fast\n");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> LatencyTable.readCsv(csv));
    assertTrue(e.getMessage().contains("line 2 value"), e.getMessage());
    Files.writeString(csv, "name,value\n");
    e = assertThrows(InvalidInputException.class, () -> LatencyTable.readCsv(csv));
    assertTrue(e.getMessage().contains("expected the header"), e.getMessage());
  }
}
