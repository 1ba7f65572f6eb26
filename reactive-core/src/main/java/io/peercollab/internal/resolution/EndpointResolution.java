// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.resolution;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

import io.peercollab.CollaborationObserver;
import io.peercollab.Diagnostic;
import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Diagnoser;
import io.peercollab.internal.observe.GuardedObserver;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerNameResolver;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Every source of a contact's addresses at once: where it was last reached, the peers near me, its card, and the
 * configured {@link PeerNameResolver}s. Which address is real is decided by the TLS pin when connecting, never here.
 *
 * <p>It also keeps the connections that proved a contact's key while they stay open ({@link #live}): a caller that
 * holds one need not ask every source again, and asks them only once none is left, or the ones left fail.
 */
public final class EndpointResolution {

	/** How many contacts' last-seen endpoints are remembered (the oldest reached is forgotten first). */
	static final int LAST_SEEN_CAPACITY = 4_096;

	private final List<PeerNameResolver> resolvers;
	private final Function<PeerName, List<PeerEndPoint>> nearMe;
	private final Diagnoser diagnoser;
	private final CollaborationObserver observer;
	// guarded by itself; access order: the least recently reached contact is evicted first
	private final Map<PeerName, PeerEndPoint> lastSeen = new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<PeerName, PeerEndPoint> eldest) {
			return size() > LAST_SEEN_CAPACITY;
		}
	};
	/**
	 * The open connections that proved each contact's name, oldest first; an entry leaves when its connection closes.
	 * Each array is replaced, never modified.
	 */
	private final Map<PeerName, PeerConnection[]> live = new ConcurrentHashMap<>();

	/**
	 * @param resolvers the configured resolvers, asked in parallel
	 * @param nearMe the addresses a peer near me announced for a name (none when it is not near me, or when this
	 * endpoint is not signed in to NEAR_ME)
	 * @param diagnoser where a failing resolver is reported
	 * @param observer told how long each resolver took and how it ended (guarded: it does not throw)
	 */
	public EndpointResolution(List<PeerNameResolver> resolvers, Function<PeerName, List<PeerEndPoint>> nearMe,
			Diagnoser diagnoser, CollaborationObserver observer) {
		this.resolvers = List.copyOf(resolvers);
		this.nearMe = nearMe;
		this.diagnoser = diagnoser;
		this.observer = observer;
	}

	/**
	 * @return the records of every source, merged as they come: local sources first, resolvers as they answer;
	 * a failing resolver is reported as {@code RESOLVE_FAILED} and skipped
	 */
	public Flux<EndpointRecord> resolve(PeerContact contact) {
		Flux<EndpointRecord> local = Flux.defer(() -> {
			PeerEndPoint seen;
			synchronized (lastSeen) {
				seen = lastSeen.get(contact.name());
			}
			Flux<EndpointRecord> last = seen == null ? Flux.empty()
					: Flux.just(new EndpointRecord(seen, EndpointSource.LAST_SEEN, Duration.ZERO));
			Flux<EndpointRecord> near = Flux.fromIterable(nearMe.apply(contact.name()))
					.map(ep -> new EndpointRecord(ep, EndpointSource.NEAR_ME, Duration.ZERO));
			Flux<EndpointRecord> card = Flux.fromIterable(contact.endPoints())
					.map(ep -> new EndpointRecord(ep, EndpointSource.CARD, Duration.ZERO));
			return Flux.concat(last, near, card);
		});
		Flux<EndpointRecord> remote = Flux.fromIterable(resolvers)
				.flatMap(r -> timed(r, contact.name(), Flux.defer(() -> r.resolve(contact))).onErrorResume(e -> {
					diagnoser.diagnose(Diagnostic.Kind.RESOLVE_FAILED, "resolver " + r + " failed for " + contact.name()
							+ ": " + e.getMessage() + "; the other sources were used");
					return Flux.empty();
				}));
		return Flux.merge(local, remote);
	}

	/**
	 * @return {@code records}, telling the observer at its first record ({@code SUCCESS}), at completion without one
	 * ({@code EMPTY}), at its error, or at a cancellation before any of these, and how long that took
	 */
	private Flux<EndpointRecord> timed(PeerNameResolver resolver, PeerName name, Flux<EndpointRecord> records) {
		if (observer == CollaborationObserver.NOOP) {
			return records;
		}
		return Flux.defer(() -> {
			long start = GuardedObserver.now();
			AtomicBoolean told = new AtomicBoolean();
			Consumer<CollaborationObserver.Outcome> tell = outcome -> {
				if (told.compareAndSet(false, true)) {
					observer.nameResolved(resolver, name, outcome, GuardedObserver.since(start));
				}
			};
			return records.doOnNext(r -> tell.accept(CollaborationObserver.Outcome.SUCCESS))
					.doOnComplete(() -> tell.accept(CollaborationObserver.Outcome.EMPTY))
					.doOnError(e -> tell.accept(CollaborationObserver.Outcome.FAILURE))
					.doOnCancel(() -> tell.accept(CollaborationObserver.Outcome.CANCELLED));
		});
	}

	/** Remembers where a contact answered and proved its key. */
	public void seen(PeerName name, PeerEndPoint endPoint) {
		synchronized (lastSeen) {
			lastSeen.put(name, endPoint);
		}
	}

	/**
	 * Remembers where a contact answered and proved its key, and keeps {@code connection}, the connection that proved
	 * it, in {@link #live} until it closes.
	 */
	public void seen(PeerName name, PeerEndPoint endPoint, PeerConnection connection) {
		seen(name, endPoint);
		if (connection.isDisposed()) {
			return;
		}
		boolean[] added = new boolean[1];
		live.compute(name, (k, known) -> {
			if (known == null) {
				added[0] = true;
				return new PeerConnection[] { connection };
			}
			for (PeerConnection c : known) {
				if (c == connection) {
					return known;
				}
			}
			added[0] = true;
			PeerConnection[] more = Arrays.copyOf(known, known.length + 1);
			more[known.length] = connection;
			return more;
		});
		if (added[0]) {
			// once per connection: it leaves when it closes (at once if it closed meanwhile)
			connection.onClose().onErrorResume(e -> Mono.empty()).doFinally(s -> forget(name, connection)).subscribe();
		}
	}

	/**
	 * @return the open connections that proved {@code name}, oldest first; empty if none is known open (it was never
	 * reached, or every connection that proved it closed since)
	 */
	public List<PeerConnection> live(PeerName name) {
		PeerConnection[] known = live.get(name);
		if (known == null) {
			return List.of();
		}
		if (known.length == 1) {
			// the usual case: one endpoint of the contact, reached at one address
			return known[0].isDisposed() ? List.of() : List.of(known[0]);
		}
		List<PeerConnection> open = new ArrayList<>(known.length);
		for (PeerConnection c : known) {
			if (!c.isDisposed()) {
				open.add(c);
			}
		}
		return open;
	}

	/**
	 * The connection a read of {@code name} takes without asking any source: of the open connections that proved it,
	 * the one on the most direct path ({@link PeerConnection#path()}), the most recently proven of those. Allocates
	 * nothing: a read of a contact takes this path every time.
	 *
	 * @return that connection, or {@code null} if none is known open
	 */
	public PeerConnection mostDirectLive(PeerName name) {
		PeerConnection[] known = live.get(name);
		if (known == null) {
			return null;
		}
		PeerConnection best = null;
		int bestRank = Integer.MAX_VALUE;
		for (int i = known.length - 1; i >= 0; i--) {
			PeerConnection c = known[i];
			if (!c.isDisposed()) {
				int rank = c.path().rank();
				if (rank < bestRank) {
					best = c;
					bestRank = rank;
					if (rank == 0) {
						break; // none is more direct
					}
				}
			}
		}
		return best;
	}

	private void forget(PeerName name, PeerConnection connection) {
		live.computeIfPresent(name, (k, known) -> {
			int i = 0;
			while (i < known.length && known[i] != connection) {
				i++;
			}
			if (i == known.length) {
				return known;
			}
			if (known.length == 1) {
				return null;
			}
			PeerConnection[] fewer = new PeerConnection[known.length - 1];
			System.arraycopy(known, 0, fewer, 0, i);
			System.arraycopy(known, i + 1, fewer, i, known.length - i - 1);
			return fewer;
		});
	}
}
