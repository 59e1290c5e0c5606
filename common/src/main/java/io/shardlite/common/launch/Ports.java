package io.shardlite.common.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on 127.0.0.1, found by binding port 0 and closing the socket again.
 *
 * <p>Racy by nature: between closing the probe socket and the real server binding the port,
 * another process may take it. The window is short and the kernel hands out ephemeral ports
 * round-robin, so collisions are rare; callers that must be robust should retry on "address in
 * use", or better, let the child bind port 0 itself and report the port via {@link ReadyFile}.
 */
public final class Ports {
  private Ports() {}

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
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket socket = new ServerSocket(0, 1, loopback);
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
}
