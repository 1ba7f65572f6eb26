// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder that keeps a copy of every byte it forwards: listens on 127.0.0.1 (port 0), connects each accepted
 * connection to {@code target} from {@code from}, and records both directions. Placed between a peer and a TURN
 * relay, it sees exactly what the relay carries for that peer.
 */
final class TappingForwarder implements AutoCloseable {

	/** One forwarded connection's bytes, each direction apart. */
	static final class Tap {

		final ByteArrayOutputStream toTarget = new ByteArrayOutputStream();
		final ByteArrayOutputStream fromTarget = new ByteArrayOutputStream();

		synchronized byte[] toTarget() {
			return toTarget.toByteArray();
		}

		synchronized byte[] fromTarget() {
			return fromTarget.toByteArray();
		}
	}

	private final ServerSocket server;
	private final InetSocketAddress target;
	private final InetAddress from;
	private final List<Tap> taps = new CopyOnWriteArrayList<>();
	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	TappingForwarder(InetSocketAddress target, InetAddress from) throws IOException {
		this.target = target;
		this.from = from;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread accept = new Thread(this::accept, "tap-accept");
		accept.setDaemon(true);
		accept.start();
	}

	/** @return where to connect to be forwarded */
	InetSocketAddress address() {
		return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
	}

	/** @return the connections forwarded so far */
	List<Tap> taps() {
		return taps;
	}

	private void accept() {
		while (!server.isClosed()) {
			try {
				Socket in = server.accept();
				Socket out = new Socket();
				out.bind(new InetSocketAddress(from, 0));
				out.connect(target, 10_000);
				sockets.add(in);
				sockets.add(out);
				Tap tap = new Tap();
				taps.add(tap);
				pump(in, out, tap, true);
				pump(out, in, tap, false);
			}
			catch (IOException e) {
				// closed, or the target refused: the accepted socket closes with the forwarder
			}
		}
	}

	private static void pump(Socket source, Socket sink, Tap tap, boolean toTarget) {
		Thread t = new Thread(() -> {
			byte[] buffer = new byte[16384];
			try (InputStream in = source.getInputStream(); OutputStream out = sink.getOutputStream()) {
				int n;
				while ((n = in.read(buffer)) >= 0) {
					synchronized (tap) {
						(toTarget ? tap.toTarget : tap.fromTarget).write(buffer, 0, n);
					}
					out.write(buffer, 0, n);
					out.flush();
				}
			}
			catch (IOException e) {
				// one side closed
			}
			finally {
				try {
					sink.shutdownOutput();
				}
				catch (IOException e) {
					// already closed
				}
			}
		}, "tap-pump");
		t.setDaemon(true);
		t.start();
	}

	@Override
	public void close() throws IOException {
		server.close();
		for (Socket s : sockets) {
			s.close();
		}
	}
}
