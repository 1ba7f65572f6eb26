package io.peercollab.internal.resolution;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.peercollab.Diagnostic;
import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Diagnoser;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerNameResolver;
import reactor.core.publisher.Flux;

/**
 * Every source of a contact's addresses at once: where it was last reached, the peers near me, its card, and the
 * configured {@link PeerNameResolver}s. Which address is real is decided by the TLS pin when connecting, never here.
 */
public final class EndpointResolution {

	/** How many contacts' last-seen endpoints are remembered (the oldest reached is forgotten first). */
	static final int LAST_SEEN_CAPACITY = 4_096;

	private final List<PeerNameResolver> resolvers;
	private final Function<PeerName, List<PeerEndPoint>> nearMe;
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
	 * @param nearMe the addresses a peer near me announced for a name (none when it is not near me, or when this
	 * endpoint is not signed in to NEAR_ME)
	 * @param diagnoser where a failing resolver is reported
	 */
	public EndpointResolution(List<PeerNameResolver> resolvers, Function<PeerName, List<PeerEndPoint>> nearMe, Diagnoser diagnoser) {
		this.resolvers = List.copyOf(resolvers);
		this.nearMe = nearMe;
		this.diagnoser = diagnoser;
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
				.flatMap(r -> Flux.defer(() -> r.resolve(contact)).onErrorResume(e -> {
					diagnoser.diagnose(Diagnostic.Kind.RESOLVE_FAILED, "resolver " + r + " failed for " + contact.name()
							+ ": " + e.getMessage() + "; the other sources were used");
					return Flux.empty();
				}));
		return Flux.merge(local, remote);
	}

	/** Remembers where a contact answered and proved its key. */
	public void seen(PeerName name, PeerEndPoint endPoint) {
		synchronized (lastSeen) {
			lastSeen.put(name, endPoint);
		}
	}
}
