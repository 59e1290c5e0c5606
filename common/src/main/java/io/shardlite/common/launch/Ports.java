package io.shardlite.common.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on 127.0.0.1, found by binding a probe socket and closing it again.
 *
 * <p>Ports are picked below the kernel's ephemeral range ({@code ip_local_port_range}) when
 * there is room: a server restarted on its old port (a Raft peer's address must not change)
 * would otherwise race every outgoing connection on the machine, whose local ports the kernel
 * takes from that range, for the time the server is down. Still racy against other processes
 * picking ports the same way; callers that can should let the child bind port 0 itself and
 * report the port via {@link ReadyFile}.
 */
public final class Ports {
  /** Lowest port picked (well above the well-known and registered-service crowd). */
  static final int LOWEST = 10_000;
  private static final int ATTEMPTS = 200;
  static final Path RANGE_FILE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  private Ports() {}

  /** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
  static int ephemeralRangeStart() {
    // Read as a stream: /proc files report size 0, and Files.readString then returns only the
    // first character on JDK 17 ("3"), which silently turned this check off.
    try (BufferedReader reader = Files.newBufferedReader(RANGE_FILE)) {
      String range = reader.readLine();
      return Integer.parseInt(range.trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  public static int freePort() {
    return freePorts(1)[0];
  }

  /** {@code n} distinct free ports (all probe sockets are held open together, then closed). */
  public static int[] freePorts(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    List<ServerSocket> sockets = new ArrayList<>(n);
    try {
      InetAddress loopback = InetAddress.getByName("127.0.0.1");
      int below = ephemeralRangeStart();
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket socket = below - LOWEST >= 1000 ? probeBelow(loopback, below) : null;
        if (socket == null) {
          socket = new ServerSocket(0, 1, loopback); // no room below the range: any free port
        }
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free ports on 127.0.0.1", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }
  }

  /** A socket bound to a random free port in [LOWEST, below), or null after many taken ones. */
  private static ServerSocket probeBelow(InetAddress loopback, int below) throws IOException {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(false);
      try {
        socket.bind(new InetSocketAddress(loopback, port), 1);
        return socket;
      } catch (IOException taken) {
        socket.close();
      }
    }
    return null;
  }
}
