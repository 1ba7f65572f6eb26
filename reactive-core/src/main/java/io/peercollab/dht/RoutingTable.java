// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Kademlia routing table (BEP 5) of {@link #K}-node buckets, one per length of the prefix a node's id shares with
 * ours: at most 160 × 8 nodes, whatever strangers send. A full bucket takes no new node (the nodes it holds have
 * answered before, the longest-known first); a node that failed {@link #MAX_FAILURES} requests in a row leaves it.
 * Thread-safe (every method holds the table's lock, and calls nothing outside it).
 */
final class RoutingTable {

	/** Nodes per bucket, and the size of a lookup's closest set (BEP 5's K). */
	static final int K = 8;

	/** Consecutive failed requests after which a node leaves the table. */
	static final int MAX_FAILURES = 2;

	private final byte[] ownId;

	private final List<Map<InetSocketAddress, Entry>> buckets = new ArrayList<>();

	RoutingTable(byte[] ownId) {
		if (ownId.length != 20) {
			throw new IllegalArgumentException("a node id has 20 bytes, was " + ownId.length);
		}
		this.ownId = ownId.clone();
		for (int i = 0; i < 160; i++) {
			buckets.add(new LinkedHashMap<>());
		}
	}

	/** A node: its 20-byte id and its UDP address. */
	record Node(byte[] id, InetSocketAddress address) {

		@Override
		public boolean equals(@Nullable Object o) {
			return o instanceof Node n && Arrays.equals(id, n.id) && address.equals(n.address);
		}

		@Override
		public int hashCode() {
			return Arrays.hashCode(id) * 31 + address.hashCode();
		}

		@Override
		public String toString() {
			return address.getAddress().getHostAddress() + ":" + address.getPort();
		}
	}

	private static final class Entry {

		Node node;

		int failures;

		Entry(Node node) {
			this.node = node;
		}
	}

	/**
	 * Records that a node answered: adds it if its bucket has room, or refreshes it (a new id at a known address
	 * replaces the old one).
	 *
	 * @return whether the table holds the node afterwards
	 */
	synchronized boolean answered(Node node) {
		int index = bucket(node.id());
		if (index < 0) {
			return false; // our own id
		}
		for (Map<InetSocketAddress, Entry> bucket : buckets) {
			Entry e = bucket.get(node.address());
			if (e != null && !Arrays.equals(e.node.id(), node.id())) {
				bucket.remove(node.address());
			}
		}
		Map<InetSocketAddress, Entry> bucket = buckets.get(index);
		Entry e = bucket.get(node.address());
		if (e != null) {
			e.failures = 0;
			e.node = node;
			return true;
		}
		if (bucket.size() >= K) {
			return false;
		}
		bucket.put(node.address(), new Entry(node));
		return true;
	}

	/** Records that a request to {@code address} went unanswered; the node leaves after {@link #MAX_FAILURES}. */
	synchronized void failed(InetSocketAddress address) {
		for (Map<InetSocketAddress, Entry> bucket : buckets) {
			Entry e = bucket.get(address);
			if (e != null && ++e.failures >= MAX_FAILURES) {
				bucket.remove(address);
			}
		}
	}

	/** @return up to {@code count} nodes closest to {@code target} by XOR distance, closest first */
	synchronized List<Node> closest(byte[] target, int count) {
		List<Node> all = new ArrayList<>();
		for (Map<InetSocketAddress, Entry> bucket : buckets) {
			for (Entry e : bucket.values()) {
				all.add(e.node);
			}
		}
		all.sort(Comparator.comparing(n -> distance(n.id(), target), Arrays::compareUnsigned));
		return List.copyOf(all.subList(0, Math.min(count, all.size())));
	}

	/** @return how many nodes the table holds */
	synchronized int size() {
		int size = 0;
		for (Map<InetSocketAddress, Entry> bucket : buckets) {
			size += bucket.size();
		}
		return size;
	}

	/** @return the XOR distance of two 20-byte ids */
	static byte[] distance(byte[] a, byte[] b) {
		byte[] d = new byte[20];
		for (int i = 0; i < 20; i++) {
			d[i] = (byte) (a[i] ^ b[i]);
		}
		return d;
	}

	/** @return the number of leading bits {@code id} shares with our id, or -1 if it is our id */
	private int bucket(byte[] id) {
		for (int i = 0; i < 20; i++) {
			int x = (id[i] ^ ownId[i]) & 0xff;
			if (x != 0) {
				return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
			}
		}
		return -1;
	}
}
