// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static io.peercollab.dht.ForeignDhtNodes.Implementation.BITTORRENT_DHT;
import static io.peercollab.dht.ForeignDhtNodes.Implementation.LIBTORRENT;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

/**
 * Publish, update, resolve and miss latency of {@link MainlineDht} on private DHTs of 12 nodes of each implementation
 * mix: mldht only, webtorrent's {@code bittorrent-dht} only, libtorrent only, and 4 of each. 25 runs each, printing
 * median, p90, min and max. Run on request: {@code -Dgroups=measurement -Dpeercollab.excludedGroups=} (in a
 * loopback-only namespace with the foreign nodes installed, see {@link DhtTestNetwork} and {@link ForeignDhtNodes}).
 */
@Tag("measurement")
@Timeout(900)
class DhtLatencyMeasurement {

	private static final int RUNS = 25;

	private static final Duration WAIT = Duration.ofSeconds(20);

	/** Which implementations the network's nodes run. */
	enum Mix {
		MLDHT, BITTORRENT_DHT_ONLY, LIBTORRENT_ONLY, MIXED
	}

	@ParameterizedTest
	@EnumSource(Mix.class)
	void publishUpdateResolveAndMissLatency(Mix mix) throws Exception {
		DhtTestNetwork.assumeAvailable();
		List<AutoCloseable> parts = new ArrayList<>();
		try {
			List<InetSocketAddress> bootstrap = new ArrayList<>();
			Supplier<InetAddress> addresses = start(mix, parts, bootstrap);
			List<Double> publish = new ArrayList<>();
			List<Double> update = new ArrayList<>();
			List<Double> resolve = new ArrayList<>();
			List<Double> miss = new ArrayList<>();
			int found = 0;
			int updated = 0;
			int[] failed = new int[1];
			for (int i = 0; i < RUNS; i++) {
				// fresh instances per run: mldht throttles requests per source address (10 in a burst, then 2/s),
				// which one instance asking the same nodes 25 times would measure instead of the DHT
				MainlineDht publisher = dht(bootstrap, addresses.get());
				MainlineDht resolver = dht(bootstrap, addresses.get());
				publisher.start().and(resolver.start()).block(WAIT);
				PeerIdentity identity = PeerIdentity.generate("m" + i, KeyType.ED25519);
				PeerContact contact = PeerContact.of(identity.name(), "m", identity.certificate());
				PeerEndPoint first = endPoint("192.0.2." + (i + 1), 5000 + i);
				PeerEndPoint second = endPoint("192.0.2." + (i + 101), 6000 + i);

				publish.add(millis(() -> publisher.publish(identity, List.of(first)).block(WAIT), failed));
				long t = System.nanoTime();
				if (resolver.resolve(contact).next().onErrorResume(e -> Mono.empty())
						.block(WAIT) != null) {
					found++;
				}
				resolve.add((System.nanoTime() - t) / 1e6);
				update.add(millis(() -> publisher.publish(identity, List.of(second)).block(WAIT), failed));
				if (second.equals(resolver.resolve(contact).next().map(r -> r.endPoint())
						.onErrorResume(e -> Mono.empty()).block(WAIT))) {
					updated++;
				}
				PeerIdentity nobody = PeerIdentity.generate("n" + i, KeyType.ED25519);
				miss.add(millis(() -> resolver.resolve(PeerContact.of(nobody.name(), "n", nobody.certificate()))
						.collectList().block(WAIT), failed));
				publisher.close().and(resolver.close()).block(WAIT);
			}
			System.out.println("DHT latency, " + mix + ", 12 nodes, " + RUNS + " runs (ms): publish "
					+ summary(publish) + "; resolve to first record " + summary(resolve) + " (found " + found + "/"
					+ RUNS + "); update " + summary(update) + " (seen " + updated + "/" + RUNS + "); miss "
					+ summary(miss) + "; failed calls " + failed[0]);
		}
		finally {
			for (AutoCloseable part : parts) {
				part.close();
			}
		}
	}

	/** Starts the nodes of {@code mix}, seeded with each other; returns where fresh endpoints may bind. */
	private static Supplier<InetAddress> start(Mix mix, List<AutoCloseable> parts, List<InetSocketAddress> bootstrap) {
		int each = mix == Mix.MIXED ? 4 : 12;
		DhtTestNetwork mldht = null;
		List<ForeignDhtNodes> foreign = new ArrayList<>();
		if (mix == Mix.MLDHT || mix == Mix.MIXED) {
			mldht = DhtTestNetwork.start(each);
			parts.add(mldht);
			bootstrap.addAll(mldht.bootstrap());
		}
		if (mix == Mix.BITTORRENT_DHT_ONLY || mix == Mix.MIXED) {
			foreign.add(ForeignDhtNodes.start(BITTORRENT_DHT, each));
		}
		if (mix == Mix.LIBTORRENT_ONLY || mix == Mix.MIXED) {
			foreign.add(ForeignDhtNodes.start(LIBTORRENT, each));
		}
		parts.addAll(foreign);
		for (ForeignDhtNodes nodes : foreign) {
			for (InetSocketAddress node : bootstrap) {
				nodes.seed(node);
			}
			for (ForeignDhtNodes other : foreign) {
				if (other != nodes) {
					other.bootstrap().forEach(nodes::seed);
				}
			}
			if (mldht != null) {
				for (InetSocketAddress node : nodes.bootstrap()) {
					mldht.nodes().forEach(n -> n.seed(node));
				}
			}
		}
		foreign.forEach(nodes -> bootstrap.addAll(nodes.bootstrap()));
		DhtTestNetwork addressesFrom = mldht;
		return addressesFrom != null ? addressesFrom::newAddress : foreign.get(0)::newAddress;
	}

	private static MainlineDht dht(List<InetSocketAddress> bootstrap, InetAddress address) {
		return MainlineDht.builder().bindAddress(address).bootstrapNodes(bootstrap).build();
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	/** @return how long {@code action} took, failing or not (a failure is counted in {@code failed}) */
	private static double millis(Runnable action, int[] failed) {
		long t = System.nanoTime();
		try {
			action.run();
		}
		catch (RuntimeException e) {
			failed[0]++;
		}
		return (System.nanoTime() - t) / 1e6;
	}

	private static String summary(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		return String.format("median %.1f, p90 %.1f, min %.1f, max %.1f", sorted.get(sorted.size() / 2),
				sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1), sorted.get(0), sorted.get(sorted.size() - 1));
	}
}
