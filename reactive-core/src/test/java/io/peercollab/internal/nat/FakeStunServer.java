// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted STUN server on one UDP socket, for tests of {@link StunClient}: each request is recorded, with when it
 * came, and handed to a {@link Script} that says what to send back (nothing, garbage, a response).
 */
final class FakeStunServer implements AutoCloseable {

	/** What the server does with one request. */
	@FunctionalInterface
	interface Script {

		/**
		 * @param index how many requests came before this one
		 * @param from where it came from
		 * @param request the request
		 * @return the datagrams to send back to {@code from}, in order (none: stay silent)
		 */
		List<byte[]> answer(int index, InetSocketAddress from, StunMessage request);
	}

	/**
	 * One request the server got.
	 *
	 * @param nanos when, {@link System#nanoTime()}
	 * @param request the request
	 */
	record Received(long nanos, StunMessage request) {
	}

	private final DatagramSocket socket;

	private final Script script;

	private final List<Received> received = new CopyOnWriteArrayList<>();

	private final Thread thread;

	FakeStunServer(Script script) throws SocketException {
		this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
		this.script = script;
		this.thread = new Thread(this::serve, "fake-stun-server");
		thread.setDaemon(true);
		thread.start();
	}

	/** @return a success response to {@code request} that carries {@code mapped} as XOR-MAPPED-ADDRESS */
	static byte[] success(StunMessage request, InetSocketAddress mapped) {
		return new StunMessage(StunMessage.BINDING_SUCCESS, request.transactionId(),
				java.util.Map.of(StunMessage.XOR_MAPPED_ADDRESS, mapped)).encode(true);
	}

	InetSocketAddress address() {
		return (InetSocketAddress) socket.getLocalSocketAddress();
	}

	/** @return the requests so far */
	List<Received> received() {
		return List.copyOf(received);
	}

	private void serve() {
		byte[] buffer = new byte[2048];
		while (!socket.isClosed()) {
			DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
			try {
				socket.receive(packet);
				long now = System.nanoTime();
				InetSocketAddress from = (InetSocketAddress) packet.getSocketAddress();
				StunMessage request = StunMessage.decode(ByteBuffer.wrap(packet.getData(), 0, packet.getLength()));
				int index = received.size();
				received.add(new Received(now, request));
				for (byte[] answer : script.answer(index, from, request)) {
					socket.send(new DatagramPacket(answer, answer.length, from));
				}
			}
			catch (IOException e) {
				return; // closed
			}
		}
	}

	@Override
	public void close() throws InterruptedException {
		socket.close();
		thread.join(5_000);
	}
}
