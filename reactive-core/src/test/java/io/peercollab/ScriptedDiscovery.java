// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveredPeer;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoverySession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A discovery whose sightings the test announces, in the order it says; each session sees every sighting announced
 * so far, then the later ones, until it closes, except those of its own name. It announces nothing of the endpoint
 * itself.
 */
public class ScriptedDiscovery implements Discovery {

	private final Sinks.Many<DiscoveryEvent> events = Sinks.many().replay().all();
	/** What each session was started with, in order. */
	public final List<Announcement> started = new CopyOnWriteArrayList<>();
	/** {@code "nickname NICK"} and {@code "endpoint NAME"}, as a session re-announces itself. */
	public final List<String> reannounced = new CopyOnWriteArrayList<>();
	/** {@code "start"} and {@code "close"}, as sessions start and close. */
	public final List<String> log = new CopyOnWriteArrayList<>();
	private final Set<PeerName> announced = ConcurrentHashMap.newKeySet();

	/** Every session sees {@code name} announced now at exactly these endpoints: ADDED, or UPDATED if it was. */
	public void announce(PeerName name, String nickname, PeerEndPoint... endPoints) {
		ChangeType type = announced.add(name) ? ChangeType.ADDED : ChangeType.UPDATED;
		events.tryEmitNext(new DiscoveryEvent(type, new DiscoveredPeer(name, nickname, List.of(endPoints))));
	}

	/** As {@link #announce(PeerName, String, PeerEndPoint...)}, with the endpoint and machine names it announces. */
	public void announceNamed(PeerName name, String nickname, String endPointName, String machineName,
			PeerEndPoint... endPoints) {
		ChangeType type = announced.add(name) ? ChangeType.ADDED : ChangeType.UPDATED;
		events.tryEmitNext(new DiscoveryEvent(type, new DiscoveredPeer(name, nickname, List.of(endPoints),
				endPointName, machineName)));
	}

	/** Every session sees {@code name} no longer announced. */
	public void remove(PeerName name, String nickname, PeerEndPoint... endPoints) {
		announced.remove(name);
		events.tryEmitNext(new DiscoveryEvent(ChangeType.REMOVED, new DiscoveredPeer(name, nickname,
				List.of(endPoints))));
	}

	@Override
	public Mono<DiscoverySession> start(Announcement self) {
		started.add(self);
		log.add("start");
		Sinks.Empty<Void> closed = Sinks.empty();
		return Mono.just(new DiscoverySession() {
			@Override
			public Flux<DiscoveryEvent> peers() {
				return events.asFlux().filter(e -> !e.peer().name().equals(self.name()))
						.takeUntilOther(closed.asMono());
			}

			@Override
			public Flux<Diagnostic> diagnostics() {
				return closed.asMono().thenMany(Flux.empty());
			}

			@Override
			public Mono<Void> updateNickname(String nickname) {
				return Mono.fromRunnable(() -> reannounced.add("nickname " + nickname));
			}

			@Override
			public Mono<Void> updateEndPointName(String endPointName) {
				return Mono.fromRunnable(() -> reannounced.add("endpoint " + endPointName));
			}

			@Override
			public Mono<Void> close() {
				return Mono.fromRunnable(() -> {
					log.add("close");
					closed.tryEmitEmpty();
				});
			}
		});
	}
}
