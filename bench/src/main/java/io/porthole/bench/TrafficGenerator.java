package io.porthole.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback traffic for the recorded pcap: short TCP connections with small unbuffered writes
 * (handshakes, data, acks, fins), refused connections (resets) and UDP datagrams from many source
 * ports, so that the flow table sees many flows of every kind. Only 127.0.0.1. Usage: {@code
 * traffic TCP_PORT UDP_PORT CLOSED_PORT SECONDS}; runs until the time is up or it is killed.
 */
final class TrafficGenerator {

  private TrafficGenerator() {}

  static void main(String[] args) throws Exception {
    int tcpPort = Integer.parseInt(args[0]);
    int udpPort = Integer.parseInt(args[1]);
    int closedPort = Integer.parseInt(args[2]);
    long deadline = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
    InetAddress loopback = InetAddress.getByName("127.0.0.1");

    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(loopback, tcpPort), 512);
    daemon(
        "tcp-accept",
        () -> {
          while (true) {
            Socket socket = server.accept();
            daemon(
                "tcp-drain",
                () -> {
                  try (socket;
                      InputStream in = socket.getInputStream()) {
                    byte[] buffer = new byte[4096];
                    while (in.read(buffer) >= 0) {
                      // discard
                    }
                  }
                });
          }
        });
    DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(loopback, udpPort));
    daemon(
        "udp-drain",
        () -> {
          DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
          while (true) {
            receiver.receive(packet);
          }
        });
    daemon(
        "tcp-clients",
        () -> {
          byte[] payload = new byte[120];
          long connections = 0;
          while (true) {
            connections++;
            if (connections % 50 == 0) {
              try (Socket refused = new Socket()) {
                refused.connect(new InetSocketAddress(loopback, closedPort), 1000);
              } catch (IOException expected) {
                // a reset: what a connection-failure flow looks like
              }
            }
            try (Socket socket = new Socket(loopback, tcpPort)) {
              socket.setTcpNoDelay(true);
              OutputStream out = socket.getOutputStream();
              int writes = 5 + ThreadLocalRandom.current().nextInt(30);
              for (int i = 0; i < writes; i++) {
                out.write(payload, 0, 40 + ThreadLocalRandom.current().nextInt(80));
              }
            }
          }
        });
    List<DatagramSocket> senders = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      senders.add(new DatagramSocket(new InetSocketAddress(loopback, 0)));
    }
    byte[] data = new byte[200];
    InetSocketAddress target = new InetSocketAddress(loopback, udpPort);
    long sent = 0;
    while (System.nanoTime() < deadline) {
      DatagramSocket sender = senders.get((int) (sent++ % senders.size()));
      sender.send(new DatagramPacket(data, 20 + (int) (sent % 180), target));
    }
    System.exit(0);
  }

  interface Body {
    void run() throws Exception;
  }

  private static void daemon(String name, Body body) {
    Thread thread =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Exception e) {
                // the generator ends by being killed or by its deadline; a broken connection is not
                // news
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
  }
}
