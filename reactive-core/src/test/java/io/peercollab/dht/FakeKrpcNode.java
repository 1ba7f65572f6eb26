// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A KRPC node on 127.0.0.1 for {@link DhtClient} tests, on a plain UDP socket read by a daemon thread. It answers as
 * webtorrent's {@code bittorrent-dht} does: a get for a stored item returns {@code id, token, v, k, sig, seq} and no
 * {@code nodes}; a get for anything else returns {@code id, token, nodes} (the nodes it was told about). A put is
 * checked as BEP 44 says (token, signature: error 206, sequence number: error 302). When silent, it reads every
 * datagram and answers none.
 */
final class FakeKrpcNode implements AutoCloseable {

	private final DatagramSocket socket;

	private final byte[] id = new byte[20];

	private final byte[] token = new byte[8];

	private final boolean silent;

	private final Map<ByteBuffer, MutableItem> stored = new ConcurrentHashMap<>();

	private final List<String> queries = new CopyOnWriteArrayList<>();

	private volatile List<RoutingTable.Node> neighbours = List.of();

	private FakeKrpcNode(boolean silent, InetAddress bind) throws SocketException {
		this.silent = silent;
		this.socket = new DatagramSocket(new InetSocketAddress(bind, 0));
		SecureRandom random = new SecureRandom();
		random.nextBytes(id);
		random.nextBytes(token);
		Thread reader = new Thread(this::serve, "fake-krpc-node-" + socket.getLocalPort());
		reader.setDaemon(true);
		reader.start();
	}

	/** @return a node that answers like {@code bittorrent-dht} */
	static FakeKrpcNode answering() throws SocketException {
		return new FakeKrpcNode(false, InetAddress.getLoopbackAddress());
	}

	/** @return a node that answers like {@code bittorrent-dht}, on {@code bind}, naming nodes in {@code nodes6} if IPv6 */
	static FakeKrpcNode answering(InetAddress bind) throws SocketException {
		return new FakeKrpcNode(false, bind);
	}

	/** @return a node that never answers */
	static FakeKrpcNode silent() throws SocketException {
		return new FakeKrpcNode(true, InetAddress.getLoopbackAddress());
	}

	InetSocketAddress address() {
		return (InetSocketAddress) socket.getLocalSocketAddress();
	}

	RoutingTable.Node node() {
		return new RoutingTable.Node(id.clone(), address());
	}

	/** @param nodes the nodes this one names in {@code nodes} */
	void neighbours(List<RoutingTable.Node> nodes) {
		neighbours = List.copyOf(nodes);
	}

	/** Stores an item as if it had been put, without any check (for forged items). */
	void store(MutableItem item) {
		stored.put(ByteBuffer.wrap(DhtClient.target(item.publicKey())), item);
	}

	/** @return the item stored under a key, or {@code null} */
	MutableItem stored(byte[] publicKey) {
		return stored.get(ByteBuffer.wrap(DhtClient.target(publicKey)));
	}

	/** @return every query method received, in order (also when silent) */
	List<String> queries() {
		return List.copyOf(queries);
	}

	/** Sends raw bytes to {@code to}, from this node's socket. */
	void sendRaw(InetSocketAddress to, byte[] bytes) throws IOException {
		socket.send(new DatagramPacket(bytes, bytes.length, to));
	}

	private void serve() {
		byte[] buffer = new byte[65536];
		while (!socket.isClosed()) {
			DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
			try {
				socket.receive(packet);
				Map<String, Object> message = Bencode.decodeDictionary(
						Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getLength()));
				String method = Bencode.latin1((byte[]) message.get("q"));
				queries.add(method);
				if (!silent) {
					byte[] reply = answer(message, method);
					socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
				}
			}
			catch (IOException | RuntimeException e) {
				// closed, or a datagram the fake cannot read: the tests look at what the client did
			}
		}
	}

	@SuppressWarnings("unchecked")
	private byte[] answer(Map<String, Object> message, String method) {
		Map<String, Object> a = (Map<String, Object>) message.get("a");
		Map<String, Object> r = new HashMap<>();
		r.put("id", id);
		switch (method) {
			case "ping" -> {
			}
			case "find_node" -> r.put(nodesKey(), DhtClient.compact(neighbours));
			case "get" -> {
				r.put("token", token);
				MutableItem item = stored.get(ByteBuffer.wrap((byte[]) a.get("target")));
				if (item == null) {
					r.put(nodesKey(), DhtClient.compact(neighbours));
				}
				else {
					r.put("v", Bencode.decode(item.value()));
					r.put("k", item.publicKey());
					r.put("sig", item.signature());
					r.put("seq", item.seq());
				}
			}
			case "put" -> {
				if (!Arrays.equals(token, (byte[]) a.get("token"))) {
					return error(message, 203, "bad token");
				}
				MutableItem item = new MutableItem((byte[]) a.get("k"), (Long) a.get("seq"),
						Bencode.encode(a.get("v")), (byte[]) a.get("sig"));
				if (!item.verify()) {
					return error(message, 206, "invalid signature");
				}
				MutableItem old = stored(item.publicKey());
				if (old != null && old.seq() >= item.seq()) {
					return error(message, 302, "sequence number less than current");
				}
				store(item);
			}
			default -> {
				return error(message, 204, "method unknown");
			}
		}
		return Bencode.encode(Map.of("t", message.get("t"), "y", "r", "r", r));
	}

	private String nodesKey() {
		return socket.getLocalAddress() instanceof java.net.Inet6Address ? "nodes6" : "nodes";
	}

	private static byte[] error(Map<String, Object> message, int code, String text) {
		return Bencode.encode(Map.of("t", message.get("t"), "y", "e", "e", List.of(code, text)));
	}

	@Override
	public void close() {
		socket.close();
	}
}
