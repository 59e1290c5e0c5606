package io.shardlite.common.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PortsTest {

  @Test
  void freePortCanBeBound() throws Exception {
    int port = Ports.freePort();
    assertThat(port).isBetween(1, 65535);
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThat(s.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void freePortsAreDistinct() {
    int[] ports = Ports.freePorts(8);
    assertThat(ports).hasSize(8);
    assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(8);
    assertThat(Ports.freePorts(0)).isEmpty();
    assertThatThrownBy(() -> Ports.freePorts(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theEphemeralRangeIsReadInFull() throws Exception {
    if (!java.nio.file.Files.isReadable(Ports.RANGE_FILE)) {
      assertThat(Ports.ephemeralRangeStart()).isEqualTo(32_768);
      return;
    }
    // An independent read of the whole line: a short read of the /proc file once gave "3".
    String line = java.nio.file.Files.readAllLines(Ports.RANGE_FILE).get(0).trim();
    assertThat(Ports.ephemeralRangeStart()).isEqualTo(Integer.parseInt(line.split("\\s+")[0]));
    assertThat(Ports.ephemeralRangeStart()).isGreaterThanOrEqualTo(1024);
  }

  @Test
  void portsStayBelowTheKernelsEphemeralRangeWhenThereIsRoom() {
    int start = Ports.ephemeralRangeStart();
    if (start - Ports.LOWEST >= 1000) {
      assertThat(Arrays.stream(Ports.freePorts(16)).boxed().toList()).allSatisfy(p -> assertThat(p).isBetween(Ports.LOWEST, start - 1));
    } else {
      assertThat(Arrays.stream(Ports.freePorts(16)).boxed().toList()).allSatisfy(p -> assertThat(p).isBetween(1, 65535));
    }
  }
}
