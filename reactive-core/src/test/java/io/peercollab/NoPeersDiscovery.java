package io.peercollab;

import io.peercollab.discovery.Announcement;
import io.peercollab.discovery.Discovery;
import io.peercollab.discovery.DiscoveryEvent;
import io.peercollab.discovery.DiscoverySession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A discovery that announces nothing and finds no one: lets transport tests sign in to {@code NEAR_ME} (which decides
 * what strangers may see) without mDNS.
 */
public final class NoPeersDiscovery implements Discovery {

	@Override
	public Mono<DiscoverySession> start(Announcement self) {
		Sinks.Empty<Void> closed = Sinks.empty();
		return Mono.just(new DiscoverySession() {
			@Override
			public Flux<DiscoveryEvent> peers() {
				return closed.asMono().thenMany(Flux.empty());
			}

			@Override
			public Flux<Diagnostic> diagnostics() {
				return closed.asMono().thenMany(Flux.empty());
			}

			@Override
			public Mono<Void> updateNickname(String nickname) {
				return Mono.empty();
			}

			@Override
			public Mono<Void> close() {
				return Mono.fromRunnable(closed::tryEmitEmpty);
			}
		});
	}
}
