package io.peercollab.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.peercollab.Diagnostic;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerNearMe;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerNameResolver;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Every source of a contact's addresses at once: where it was last reached, the peers near me, its card, and the
 * configured {@link PeerNameResolver}s. Which address is real is decided by the TLS pin when connecting, never here.
 */
final class EndpointResolution {

	/** How many contacts' last-seen endpoints are remembered (the oldest reached is forgotten first). */
	static final int LAST_SEEN_CAPACITY = 4_096;

	private final List<PeerNameResolver> resolvers;
	private final Supplier<Mono<List<PeerNearMe>>> nearMe;
	private final Diagnoser diagnoser;
	// guarded by itself; access order: the least recently reached contact is evicted first
	private final Map<PeerName, PeerEndPoint> lastSeen = new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<PeerName, PeerEndPoint> eldest) {
			return size() > LAST_SEEN_CAPACITY;
		}
	};

	/**
	 * @param resolvers the configured resolvers, asked in parallel
	 * @param nearMe the peers near me now (one list, or an error when not signed in near me)
	 * @param diagnoser where a failing resolver is reported
	 */
	EndpointResolution(List<PeerNameResolver> resolvers, Supplier<Mono<List<PeerNearMe>>> nearMe, Diagnoser diagnoser) {
		this.resolvers = List.copyOf(resolvers);
		this.nearMe = nearMe;
		this.diagnoser = diagnoser;
	}

	/**
	 * @return the records of every source, merged as they come: local sources first, resolvers as they answer;
	 * a failing resolver is reported as {@code RESOLVE_FAILED} and skipped
	 */
	Flux<EndpointRecord> resolve(PeerContact contact) {
		Flux<EndpointRecord> local = Flux.defer(() -> {
			PeerEndPoint seen;
			synchronized (lastSeen) {
				seen = lastSeen.get(contact.name());
			}
			Flux<EndpointRecord> last = seen == null ? Flux.empty()
					: Flux.just(new EndpointRecord(seen, EndpointSource.LAST_SEEN, Duration.ZERO));
			Flux<EndpointRecord> near = nearMe.get()
					.onErrorResume(e -> Mono.empty())
					.flatMapIterable(peers -> peers)
					.filter(p -> p.name().equals(contact.name()))
					.flatMapIterable(p -> p.endPoints())
					.map(ep -> new EndpointRecord(ep, EndpointSource.NEAR_ME, Duration.ZERO));
			Flux<EndpointRecord> card = Flux.fromIterable(contact.endPoints())
					.map(ep -> new EndpointRecord(ep, EndpointSource.CARD, Duration.ZERO));
			return Flux.concat(last, near, card);
		});
		Flux<EndpointRecord> remote = Flux.fromIterable(resolvers)
				.flatMap(r -> Flux.defer(() -> r.resolve(contact)).onErrorResume(e -> {
					diagnoser.diagnose(Diagnostic.Kind.RESOLVE_FAILED, "resolver " + r + " failed for " + contact.name()
							+ ": " + e.getMessage() + "; the other sources were used");
					return Flux.empty();
				}));
		return Flux.merge(local, remote);
	}

	/** Remembers where a contact answered and proved its key. */
	void seen(PeerName name, PeerEndPoint endPoint) {
		synchronized (lastSeen) {
			lastSeen.put(name, endPoint);
		}
	}
}
