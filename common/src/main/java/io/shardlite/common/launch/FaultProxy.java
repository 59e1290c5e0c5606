package io.shardlite.common.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on 127.0.0.1 in front of one process's port, for fault tests: it passes traffic,
 * delays every chunk by a set time, or partitions (drops every connection and refuses new ones
 * until healed). Connections are plain byte pumps, so any protocol (gRPC, HTTP) goes through.
 */
public final class FaultProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile long delayMillis;
  private volatile boolean partitioned;
  private volatile boolean closed;

  public FaultProxy(String targetHost, int targetPort) throws IOException {
    this.target = new InetSocketAddress(targetHost, targetPort);
    this.listener = new ServerSocket(0, 128, InetAddress.getByName("127.0.0.1"));
    Thread acceptor = new Thread(this::accept, "fault-proxy-" + targetPort);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** host:port clients use instead of the target. */
  public String endpoint() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  /** Every chunk in either direction waits this long (0 = none). */
  public void delay(long millis) {
    delayMillis = millis;
  }

  /** Drops every open connection and refuses new ones until {@link #heal}. */
  public void partition() {
    partitioned = true;
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  public void heal() {
    partitioned = false;
    delayMillis = 0;
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        if (partitioned) {
          closeQuietly(client);
          continue;
        }
        Socket server = new Socket();
        try {
          server.connect(target, 2_000);
        } catch (IOException e) {
          closeQuietly(client);
          continue;
        }
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        open.add(client);
        open.add(server);
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          long delay = delayMillis;
          if (delay > 0) {
            // The injected fault itself: hold the bytes back.
            TimeUnit.MILLISECONDS.sleep(delay);
          }
          if (partitioned) {
            break;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // connection ended
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "fault-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // already closed
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
