// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.contact.PeerContact;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import reactor.core.publisher.Flux;

/**
 * The one place where benchmarks start PeerCollab endpoints: exactly as a user gets them from the README
 * ({@link PeerCollaboration#builder()}, {@link RSocketPeerTransport#tcp()}, TLS 1.3 with mutual authentication and
 * pinning, default settings), with the two changes the network rule and the measurements need:
 * <ul>
 *   <li>everything binds to {@code 127.0.0.1} on an ephemeral port, and mDNS runs on loopback only
 *   ({@link MdnsDiscovery#onLoopback()}) with a service type of its own, {@value #SERVICE_TYPE}, so that a benchmark
 *   never sees the endpoints of a demo or a test that another engineer runs on this machine at the same time;</li>
 *   <li>{@code invitationsPerPeerPerMinute} is raised (the default, 60, is a protection against a flooding peer and
 *   would refuse a benchmark after its first minute). The limiter still runs on every invitation.</li>
 * </ul>
 * Benchmark code blocks ({@code block()}): it is the caller at the edge, never the library.
 */
public final class BenchPeers {

	/** How long a set-up step may take before the benchmark fails rather than hangs. */
	public static final Duration TIMEOUT = Duration.ofSeconds(30);

	/** The DNS-SD service type the near-me benchmarks announce and browse. */
	public static final String SERVICE_TYPE = "_peercollab-bench._tcp.local.";

	/** The invitation rate limit of benchmark endpoints: high enough for millions of invitations a minute. */
	public static final int INVITATIONS_PER_PEER_PER_MINUTE = Integer.MAX_VALUE;

	private static final Map<String, PeerIdentity> IDENTITIES = new ConcurrentHashMap<>();

	private BenchPeers() {
	}

	/**
	 * @return the identity for this classifier, generated once per JVM (a generation costs tens of milliseconds, the
	 * first one of a JVM up to a second)
	 */
	public static PeerIdentity identity(String classifier) {
		return IDENTITIES.computeIfAbsent(classifier, PeerIdentity::generate);
	}

	/** @return a fresh identity, not cached: for benchmarks that need a never-seen peer each time */
	public static PeerIdentity freshIdentity(String classifier) {
		return PeerIdentity.generate(classifier);
	}

	/** @return the transport every benchmark endpoint uses: RSocket over TCP + TLS 1.3 on loopback, port 0 */
	public static RSocketPeerTransport transport() {
		return RSocketPeerTransport.tcp().host("127.0.0.1");
	}

	/** @return a builder with the benchmark settings, to which a caller adds what it needs */
	public static PeerCollaboration.Builder builder(PeerIdentity identity) {
		return PeerCollaboration.builder()
				.identity(identity)
				.nickname(identity.name().classifier())
				.transport(transport())
				.invitationsPerPeerPerMinute(INVITATIONS_PER_PEER_PER_MINUTE);
	}

	/** @return an endpoint with an in-memory contact store, signed in to {@code INTERNET} */
	public static PeerCollaboration internet(String classifier) {
		PeerCollaboration p = builder(identity(classifier)).build();
		p.signIn(PeerScope.INTERNET).block(TIMEOUT);
		return p;
	}

	/** @return the discovery of the near-me benchmarks: mDNS on 127.0.0.1, the benchmark service type */
	public static MdnsDiscovery discovery() {
		return MdnsDiscovery.onLoopback().serviceType(SERVICE_TYPE);
	}

	/** @return an endpoint with discovery on loopback, not signed in yet */
	public static PeerCollaboration nearMe(PeerIdentity identity) {
		return builder(identity).discovery(discovery()).build();
	}

	/** @return {@code of} as a contact card with its current endpoints, allowed to follow */
	public static PeerContact contactOf(PeerCollaboration of) {
		return PeerContact.of(of.name(), of.nickname(), of.identity().certificate()).withEndPoints(of.endPoints());
	}

	/**
	 * Makes {@code a} and {@code b} allowed contacts of each other, so that each sees what the other publishes for the
	 * Internet (presence included).
	 */
	public static void befriend(PeerCollaboration a, PeerCollaboration b) {
		a.contacts().add(contactOf(b)).block(TIMEOUT);
		b.contacts().add(contactOf(a)).block(TIMEOUT);
	}

	/** @return {@code to} as {@code from} reaches it: through its contact card, as an Internet-scope user does */
	public static Peer handle(PeerCollaboration from, PeerCollaboration to) {
		return from.peer(contactOf(to));
	}

	/** Closes endpoints, in parallel, waiting for each to release everything. */
	public static void close(PeerCollaboration... endpoints) {
		List<PeerCollaboration> open = new ArrayList<>();
		for (PeerCollaboration p : endpoints) {
			if (p != null) {
				open.add(p);
			}
		}
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(TIMEOUT);
	}

	/** Closes endpoints, in parallel. */
	public static void close(List<PeerCollaboration> endpoints) {
		close(endpoints.toArray(PeerCollaboration[]::new));
	}
}
