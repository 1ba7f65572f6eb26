// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.peercollab.ChangeType;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Measures, on loopback, the time from {@code signIn(NEAR_ME)} on one endpoint to its ADDED event on another, and from
 * {@code signOut} to REMOVED: ten runs each, the first registration of a fresh endpoint reported separately. A
 * measurement, not a behaviour test: excluded from the default build; run it with
 * {@code mvn -pl rsocket-transport -am verify -Dpeercollab.excludedGroups= -Dtest=NearMeTimingMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false} and read its output in {@code target/surefire-reports}.
 */
@Tag("measurement")
class NearMeTimingMeasurement {

	@Test
	void signInToAddedAndSignOutToRemoved() {
		PeerCollaboration watcher = endpoint(PeerIdentity.generate("watcher"));
		PeerIdentity subject = PeerIdentity.generate("subject");
		watcher.signIn(PeerScope.NEAR_ME).block(Duration.ofSeconds(10));
		List<Long> added = new ArrayList<>();
		List<Long> removed = new ArrayList<>();
		try {
			for (int run = 0; run <= 10; run++) {
				PeerCollaboration s = endpoint(subject);
				var events = watcher.peersNearMe().filter(e -> e.peer().name().equals(subject.name())).replay();
				var connection = events.connect();
				long t0 = System.nanoTime();
				s.signIn(PeerScope.NEAR_ME).block(Duration.ofSeconds(10));
				events.filter(e -> e.type() == ChangeType.ADDED).blockFirst(Duration.ofSeconds(30));
				long t1 = System.nanoTime();
				s.signOut(PeerScope.NEAR_ME).block(Duration.ofSeconds(10));
				events.filter(e -> e.type() == ChangeType.REMOVED).blockFirst(Duration.ofSeconds(30));
				long t2 = System.nanoTime();
				connection.dispose();
				s.close().block(Duration.ofSeconds(30));
				if (run == 0) {
					System.out.printf("first registration of a fresh endpoint: signIn->ADDED %d ms, signOut->REMOVED %d ms%n",
							ms(t1 - t0), ms(t2 - t1));
				}
				else {
					added.add(ms(t1 - t0));
					removed.add(ms(t2 - t1));
				}
			}
		}
		finally {
			watcher.close().block(Duration.ofSeconds(30));
		}
		System.out.printf("signIn->ADDED over %d runs: median %d ms, all %s%n", added.size(), median(added), added);
		System.out.printf("signOut->REMOVED over %d runs: median %d ms, all %s%n", removed.size(), median(removed),
				removed);
		assertThat(added).hasSize(10);
	}

	/**
	 * What {@code close()} costs: an endpoint with one connected neighbour, signed in to NEAR_ME over mDNS and to
	 * INTERNET only (no discovery), ten runs each.
	 */
	@Test
	void closeWithAndWithoutMdns() {
		PeerCollaboration neighbour = PeerCollaboration.builder().identity(PeerIdentity.generate("neighbour"))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
		neighbour.signIn(PeerScope.INTERNET).block(Duration.ofSeconds(10));
		PeerIdentity subject = PeerIdentity.generate("subject");
		List<Long> withMdns = new ArrayList<>();
		List<Long> without = new ArrayList<>();
		try {
			for (int run = 0; run < 10; run++) {
				for (boolean mdns : new boolean[] { true, false }) {
					PeerCollaboration s = mdns ? endpoint(subject) : PeerCollaboration.builder().identity(subject)
							.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
					s.signIn(mdns ? PeerScope.NEAR_ME : PeerScope.INTERNET).block(Duration.ofSeconds(10));
					s.peer(neighbour.name(), neighbour.endPoints().get(0)).presence().block(Duration.ofSeconds(10));
					long t0 = System.nanoTime();
					s.close().block(Duration.ofSeconds(30));
					(mdns ? withMdns : without).add(ms(System.nanoTime() - t0));
				}
			}
		}
		finally {
			neighbour.close().block(Duration.ofSeconds(30));
		}
		System.out.printf("close() with mDNS: median %d ms, all %s; without discovery: median %d ms, all %s%n",
				median(withMdns), withMdns, median(without), without);
		assertThat(withMdns).hasSize(10);
	}

	private static PeerCollaboration endpoint(PeerIdentity id) {
		return PeerCollaboration.builder().identity(id).discovery(MdnsDiscovery.onLoopback().serviceType("_pctiming._tcp.local."))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
	}

	private static long ms(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos);
	}

	private static long median(List<Long> values) {
		List<Long> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		return sorted.get(sorted.size() / 2);
	}
}
