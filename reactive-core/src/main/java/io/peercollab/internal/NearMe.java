package io.peercollab.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerUnreachableException;
import io.peercollab.discovery.DiscoveryEvent;
import io.peercollab.discovery.DiscoverySession;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerConnection;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * People near me: turns what discovery claims into verified {@link PeerNearMe}s.
 *
 * <ul>
 *   <li>A name is a claim until a connection proves it: each announced endpoint is connected to at once, and a peer is
 *   shown only with the endpoints that proved its name there ({@code ADDED} once the first one has), most recently
 *   proven first. So an impostor announcing a real peer's name elsewhere never appears under that name, even for a
 *   moment, and cannot make the real peer disappear.</li>
 *   <li>An endpoint whose key does not match is reported as {@link Diagnostic.Kind#SPOOFED_NAME} and refused for
 *   {@link #SPOOFED_MEMORY}, across the name's disappearance and return, so it is not dialled again each time it is
 *   announced. An endpoint that does not answer, or whose peer vanished, is not dialled again for
 *   {@link #DEAD_MEMORY} (the peer may come back at the same port later). Both memories are bounded
 *   ({@link #MEMORY_ENTRIES} endpoints each), so announcements cannot grow them without limit.</li>
 *   <li>Liveness: when the watched connection closes (keepalive failure, the peer's transport closed), the peer is
 *   probed with one new connection; if that fails it is removed and its endpoints count as dead. A peer that signs out
 *   tells us and is removed at once. Without a connection, mDNS expiry removes it (the discovery's worst case).</li>
 *   <li>A peer that signed out is ignored until it announces other endpoints (a new sign-in binds a new port), so a
 *   stale mDNS record cannot bring it back.</li>
 * </ul>
 */
final class NearMe {

	static final Duration SIGN_OUT_NOTICE_TIMEOUT = Duration.ofSeconds(1);
	/** How long an endpoint that failed to prove the name announced with it stays refused. */
	static final Duration SPOOFED_MEMORY = Duration.ofMinutes(10);
	/** How long an endpoint that did not answer is not dialled again for the same name. */
	static final Duration DEAD_MEMORY = Duration.ofSeconds(30);
	/** The most endpoints each memory keeps; the oldest are forgotten first. */
	static final int MEMORY_ENTRIES = 1_024;

	private final DefaultPeerCollaboration owner;
	private final Object lock = new Object();
	// guarded by lock
	private final Map<PeerName, RemotePeer> peers = new HashMap<>();
	private final Map<PeerName, List<PeerEndPoint>> ignored = new HashMap<>();
	private final Map<PeerName, PeerConnection> connections = new HashMap<>();
	/** Announced endpoints whose key did not match the name announced with them, with when that was seen. */
	private final Memory spoofed = new Memory(SPOOFED_MEMORY);
	/** Announced endpoints that did not answer, or whose peer vanished, with when that was seen. */
	private final Memory dead = new Memory(DEAD_MEMORY);
	/** Announced endpoints that proved their name on a connection, with the order of their proof. */
	private final Map<PeerName, Map<PeerEndPoint, Long>> proven = new HashMap<>();
	private long proofs;
	/** The endpoints each name is announced at now, those that failed to prove it left out. */
	private final Map<PeerName, List<PeerEndPoint>> claims = new HashMap<>();
	/** The nickname each name is announced with now. */
	private final Map<PeerName, String> nicknames = new HashMap<>();
	/** Announced endpoints being connected to, to prove their name. */
	private final Map<PeerName, Set<PeerEndPoint>> verifying = new HashMap<>();
	private final StateFanout<PeerNearMeEvent> fanout = new StateFanout<>(1_024);
	private DiscoverySession session;
	private Disposable subscriptions = Disposables.composite();
	private Mono<Void> closing = Mono.empty();

	/** Endpoints of names remembered for a while, bounded: the oldest entry goes first. Called under lock. */
	private final class Memory {

		private final Duration keep;
		private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>(16, 0.75f, false);

		Memory(Duration keep) {
			this.keep = keep;
		}

		private static String key(PeerName name, PeerEndPoint ep) {
			return name + "@" + ep.address();
		}

		void add(PeerName name, PeerEndPoint ep) {
			String k = key(name, ep);
			seen.remove(k);
			seen.put(k, now());
			while (seen.size() > MEMORY_ENTRIES) {
				seen.remove(seen.keySet().iterator().next());
			}
		}

		boolean contains(PeerName name, PeerEndPoint ep) {
			String k = key(name, ep);
			Long at = seen.get(k);
			if (at == null) {
				return false;
			}
			if (now() - at >= keep.toMillis()) {
				seen.remove(k);
				return false;
			}
			return true;
		}

		void remove(PeerName name, PeerEndPoint ep) {
			seen.remove(key(name, ep));
		}

		void clear() {
			seen.clear();
		}
	}

	private long now() {
		return owner.timer.now(java.util.concurrent.TimeUnit.MILLISECONDS);
	}

	NearMe(DefaultPeerCollaboration owner) {
		this.owner = owner;
	}

	void start(DiscoverySession s) {
		synchronized (lock) {
			session = s;
			subscriptions = Disposables.composite(
					s.peers().subscribe(this::onDiscovery, e -> DefaultPeerCollaboration.log.warn("discovery failed", e)),
					s.diagnostics().subscribe(d -> owner.diagnose(d.kind(), d.message())));
		}
	}

	Flux<PeerNearMeEvent> events() {
		return Flux.defer(() -> {
			synchronized (lock) {
				if (session == null) {
					return Flux.error(notSignedIn());
				}
				return fanout.subscribe(peers.values().stream()
						.map(p -> new PeerNearMeEvent(ChangeType.ADDED, (PeerNearMe) p)).toList());
			}
		});
	}

	Mono<List<PeerNearMe>> current() {
		return Mono.defer(() -> {
			synchronized (lock) {
				if (session == null) {
					return Mono.error(notSignedIn());
				}
				return Mono.just(List.<PeerNearMe>copyOf(peers.values()));
			}
		});
	}

	/**
	 * @return the addresses a peer near me announced for {@code name}; none if it is not near me, or if this endpoint
	 * is not signed in to NEAR_ME (no error is made: contacts' resolution asks this at every connection)
	 */
	List<PeerEndPoint> endPoints(PeerName name) {
		synchronized (lock) {
			RemotePeer p = session == null ? null : peers.get(name);
			return p == null ? List.of() : p.endPoints();
		}
	}

	private static NotSignedInException notSignedIn() {
		return new NotSignedInException("people near me need this endpoint signed in to NEAR_ME");
	}

	private void onDiscovery(DiscoveryEvent e) {
		PeerName name = e.peer().name();
		if (name.equals(owner.name())) {
			return;
		}
		List<PeerEndPoint> toVerify = new ArrayList<>();
		synchronized (lock) {
			if (session == null) {
				return;
			}
			if (e.type() == ChangeType.REMOVED) {
				ignored.remove(name);
				forget(name);
				remove(name);
				return;
			}
			List<PeerEndPoint> eps = e.peer().endPoints();
			List<PeerEndPoint> stale = ignored.get(name);
			if (stale != null) {
				if (stale.equals(eps)) {
					return;
				}
				ignored.remove(name);
			}
			// Endpoints that failed to prove this name stay out; those that did not answer are not dialled again yet.
			List<PeerEndPoint> claimed = eps.stream().filter(ep -> !spoofed.contains(name, ep)).toList();
			claims.put(name, claimed);
			nicknames.put(name, e.peer().nickname());
			Map<PeerEndPoint, Long> proven = this.proven.computeIfAbsent(name, k -> new HashMap<>());
			proven.keySet().retainAll(claimed);
			Set<PeerEndPoint> checking = verifying.computeIfAbsent(name, k -> new HashSet<>());
			for (PeerEndPoint ep : claimed) {
				if (!proven.containsKey(ep) && !dead.contains(name, ep) && checking.add(ep)) {
					toVerify.add(ep);
				}
			}
			showProven(name);
		}
		for (PeerEndPoint ep : toVerify) {
			verify(name, ep);
		}
	}

	/**
	 * Shows the name with the endpoints that proved it, most recently proven first; removes it if none did. Called
	 * under lock.
	 */
	private void showProven(PeerName name) {
		Map<PeerEndPoint, Long> proven = this.proven.getOrDefault(name, Map.of());
		List<PeerEndPoint> shown = proven.entrySet().stream()
				.sorted(Map.Entry.<PeerEndPoint, Long>comparingByValue().reversed())
				.map(Map.Entry::getKey)
				.toList();
		RemotePeer old = peers.get(name);
		if (shown.isEmpty()) {
			remove(name);
			return;
		}
		String nickname = nicknames.getOrDefault(name, "");
		if (old == null) {
			RemotePeer p = new RemotePeer(owner.reach, name, nickname, shown);
			p.verified = true;
			peers.put(name, p);
			fanout.emit(new PeerNearMeEvent(ChangeType.ADDED, p));
			return;
		}
		RemotePeer p = old.with(nickname, shown);
		if (p.equals(old)) {
			return;
		}
		peers.put(name, p);
		fanout.emit(new PeerNearMeEvent(ChangeType.UPDATED, p));
	}

	/** Connects to one announced endpoint: it either proves the name and is shown, or is dropped and reported. */
	private void verify(PeerName name, PeerEndPoint ep) {
		Mono.defer(() -> owner.binding().connect(name, ep.address())).subscribe(c -> {
			boolean watchIt;
			synchronized (lock) {
				Set<PeerEndPoint> checking = verifying.get(name);
				if (checking != null) {
					checking.remove(ep);
				}
				Map<PeerEndPoint, Long> proven = this.proven.get(name);
				List<PeerEndPoint> claim = claims.get(name);
				if (proven == null || claim == null || !claim.contains(ep) || session == null) {
					return;
				}
				dead.remove(name, ep);
				proven.put(ep, ++proofs);
				showProven(name);
				watchIt = peers.containsKey(name) && !connections.containsKey(name);
			}
			if (watchIt) {
				watch(name, c);
			}
		}, err -> {
			boolean report = false;
			synchronized (lock) {
				Set<PeerEndPoint> checking = verifying.get(name);
				if (checking != null) {
					checking.remove(ep);
				}
				if (session != null) {
					if (err instanceof PeerIdentityMismatchException) {
						report = true;
						spoofed.add(name, ep);
						List<PeerEndPoint> claim = claims.get(name);
						if (claim != null && claim.contains(ep)) {
							claims.put(name, claim.stream().filter(x -> !x.equals(ep)).toList());
						}
					}
					else if (err instanceof PeerUnreachableException) {
						dead.add(name, ep);
					}
					Map<PeerEndPoint, Long> proven = this.proven.get(name);
					if (proven != null && proven.remove(ep) != null) {
						showProven(name);
					}
				}
			}
			if (report) {
				owner.diagnose(Diagnostic.Kind.SPOOFED_NAME, "a peer near me at " + ep + " announced the name " + name
						+ " but could not prove it (" + err.getMessage() + "); that endpoint was dropped");
			}
			else if (!(err instanceof PeerUnreachableException || err instanceof NotSignedInException
					|| err instanceof PeerIdentityMismatchException)) {
				DefaultPeerCollaboration.log.debug("verifying {} at {} failed", name, ep, err);
			}
		});
	}

	/**
	 * Forgets what was learnt about the endpoints of a name that is no longer announced; what it refused as spoofed or
	 * found dead is kept for a while (bounded), so that the name's return does not dial those again. Called under lock.
	 */
	private void forget(PeerName name) {
		proven.remove(name);
		verifying.remove(name);
		claims.remove(name);
		nicknames.remove(name);
	}

	private void watch(PeerName name, PeerConnection c) {
		synchronized (lock) {
			if (!peers.containsKey(name)) {
				return;
			}
			connections.put(name, c);
		}
		c.onClose().subscribe(null, null, () -> {
			RemotePeer p;
			synchronized (lock) {
				connections.remove(name, c);
				p = peers.get(name);
			}
			if (p == null || owner.signInScope() == io.peercollab.PeerScope.NONE) {
				return;
			}
			// The connection went away: either idle (the peer is fine) or the peer vanished. One probe tells.
			p.connection().subscribe(again -> watch(name, again), err -> {
				synchronized (lock) {
					// its endpoints are dead: a later announcement listing them does not show or dial them again
					Map<PeerEndPoint, Long> proven = this.proven.get(name);
					if (proven != null) {
						proven.keySet().forEach(ep -> dead.add(name, ep));
						proven.clear();
					}
					remove(name);
				}
				owner.diagnose(Diagnostic.Kind.CONNECTION_LOST, name + " stopped answering; removed from people near me");
			});
		});
	}

	/** Called under lock. */
	private void remove(PeerName name) {
		RemotePeer p = peers.remove(name);
		connections.remove(name);
		if (p != null) {
			fanout.emit(new PeerNearMeEvent(ChangeType.REMOVED, p));
		}
	}

	void peerSignedOut(PeerName name) {
		synchronized (lock) {
			RemotePeer p = peers.get(name);
			if (p != null) {
				ignored.put(name, p.endPoints());
				remove(name);
			}
		}
	}

	Mono<Void> updateNickname(String nickname) {
		DiscoverySession s;
		synchronized (lock) {
			s = session;
		}
		return s == null ? Mono.empty() : s.updateNickname(nickname);
	}

	/**
	 * Tells every connected neighbour that this endpoint signs out (waiting at most a second for them), then stops
	 * discovery. Closing discovery blocks in jmDNS for seconds, so it runs in the background; {@link #awaitClosed()}
	 * waits for it.
	 */
	Mono<Void> stop() {
		return Mono.defer(() -> {
			List<PeerConnection> open;
			DiscoverySession s;
			synchronized (lock) {
				open = new ArrayList<>(connections.values());
				s = session;
				session = null;
				subscriptions.dispose();
				peers.clear();
				connections.clear();
				ignored.clear();
				spoofed.clear();
				dead.clear();
				proven.clear();
				verifying.clear();
				claims.clear();
				nicknames.clear();
				fanout.complete();
			}
			Mono<Void> notices = Flux.fromIterable(open)
					.flatMap(c -> c.signedOut().timeout(SIGN_OUT_NOTICE_TIMEOUT).onErrorResume(e -> Mono.empty()))
					.then();
			return notices.then(Mono.fromRunnable(() -> {
				if (s != null) {
					Mono<Void> closed = s.close().onErrorResume(e -> {
						DefaultPeerCollaboration.log.warn("closing discovery failed", e);
						return Mono.empty();
					}).cache();
					synchronized (lock) {
						closing = closing.then(closed).cache();
					}
					closed.subscribe();
				}
			}));
		});
	}

	Mono<Void> awaitClosed() {
		return Mono.defer(() -> {
			synchronized (lock) {
				return closing;
			}
		});
	}
}
