package io.peercollab.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
import io.peercollab.spi.TransportBinding;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * People near me: turns what discovery claims into verified {@link PeerNearMe}s.
 *
 * <ul>
 *   <li>Each endpoint of a discovered peer is connected to at once; the connection proves its name. An endpoint that
 *   proves another key is dropped and reported as {@link Diagnostic.Kind#SPOOFED_NAME}, and ignored from then on; a
 *   peer left with no endpoint is removed. An impostor can thus never be shown as the peer it claims to be.</li>
 *   <li>Liveness: when that connection closes (keepalive failure, the peer's transport closed), the peer is probed with
 *   one new connection; if that fails it is removed. A peer that signs out tells us and is removed at once. Without
 *   a connection, mDNS expiry removes it (the discovery's worst case).</li>
 *   <li>A peer that signed out is ignored until it announces other endpoints (a new sign-in binds a new port), so a
 *   stale mDNS record cannot bring it back.</li>
 * </ul>
 */
final class NearMe {

	static final Duration SIGN_OUT_NOTICE_TIMEOUT = Duration.ofSeconds(1);

	private final DefaultPeerCollaboration owner;
	private final Object lock = new Object();
	// guarded by lock
	private final Map<PeerName, RemotePeer> peers = new HashMap<>();
	private final Map<PeerName, List<PeerEndPoint>> ignored = new HashMap<>();
	private final Map<PeerName, PeerConnection> connections = new HashMap<>();
	private final Map<PeerName, java.util.Set<java.net.InetSocketAddress>> spoofed = new HashMap<>();
	private final StateFanout<PeerNearMeEvent> fanout = new StateFanout<>(1_024);
	private DiscoverySession session;
	private Disposable subscriptions = Disposables.composite();
	private Mono<Void> closing = Mono.empty();

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

	private static NotSignedInException notSignedIn() {
		return new NotSignedInException("people near me need this endpoint signed in to NEAR_ME");
	}

	private void onDiscovery(DiscoveryEvent e) {
		PeerName name = e.peer().name();
		if (name.equals(owner.name())) {
			return;
		}
		RemotePeer toVerify = null;
		synchronized (lock) {
			if (session == null) {
				return;
			}
			if (e.type() == ChangeType.REMOVED) {
				ignored.remove(name);
				remove(name);
				return;
			}
			java.util.Set<java.net.InetSocketAddress> fake = spoofed.getOrDefault(name, java.util.Set.of());
			List<PeerEndPoint> eps = e.peer().endPoints().stream().filter(ep -> !fake.contains(ep.address())).toList();
			if (eps.isEmpty()) {
				remove(name);
				return;
			}
			List<PeerEndPoint> stale = ignored.get(name);
			if (stale != null) {
				if (stale.equals(eps)) {
					return;
				}
				ignored.remove(name);
			}
			RemotePeer old = peers.get(name);
			if (old == null) {
				RemotePeer p = new RemotePeer(owner, name, e.peer().nickname(), eps, true);
				peers.put(name, p);
				fanout.emit(new PeerNearMeEvent(ChangeType.ADDED, p));
				toVerify = p;
			}
			else {
				RemotePeer p = old.with(e.peer().nickname(), eps);
				if (p.equals(old)) {
					return;
				}
				peers.put(name, p);
				fanout.emit(new PeerNearMeEvent(ChangeType.UPDATED, p));
				if (!old.endPoints().equals(eps)) {
					toVerify = p;
				}
			}
		}
		if (toVerify != null) {
			verify(toVerify);
		}
	}

	/**
	 * Connects to every announced endpoint. Endpoints that prove another key are dropped from the peer (and ignored
	 * from then on) and reported; the peer goes when none is left. The first endpoint that proves the name is watched
	 * for liveness.
	 */
	private void verify(RemotePeer p) {
		TransportBinding binding;
		try {
			binding = owner.binding();
		}
		catch (NotSignedInException e) {
			return;
		}
		Flux.fromIterable(p.endPoints())
				.flatMap(ep -> binding.connect(p.name(), ep.address())
						.map(c -> Optional.of(c))
						.onErrorResume(PeerIdentityMismatchException.class, e -> {
							spoofed(p.name(), ep, e);
							return Mono.just(Optional.empty());
						})
						.onErrorResume(e -> Mono.empty()))
				.filter(Optional::isPresent)
				.map(Optional::get)
				.next()
				.subscribe(c -> {
					p.verified = true;
					watch(p.name(), c);
				}, e -> DefaultPeerCollaboration.log.debug("verifying {} failed", p.name(), e));
	}

	private void spoofed(PeerName name, PeerEndPoint ep, Throwable e) {
		synchronized (lock) {
			spoofed.computeIfAbsent(name, k -> new java.util.HashSet<>()).add(ep.address());
			RemotePeer p = peers.get(name);
			if (p != null) {
				List<PeerEndPoint> rest = p.endPoints().stream().filter(x -> !x.address().equals(ep.address())).toList();
				if (rest.isEmpty()) {
					remove(name);
				}
				else {
					RemotePeer q = p.with(p.nickname(), rest);
					peers.put(name, q);
					fanout.emit(new PeerNearMeEvent(ChangeType.UPDATED, q));
				}
			}
		}
		owner.diagnose(Diagnostic.Kind.SPOOFED_NAME, "an endpoint at " + ep.address() + " announced the name " + name
				+ " but proved another key (" + e.getMessage() + "); it was dropped");
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
