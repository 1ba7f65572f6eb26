// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A request handler that serves (almost) nothing, for transport bindings that only need to accept connections:
 * connecting, and the {@code hello} that confirms a connection, never reach the handler.
 */
public final class NothingHandler implements PeerRequestHandler {

	@Override
	public Mono<InviteReply> invite(PeerName caller, InviteRequest request) {
		return Mono.empty();
	}

	@Override
	public Mono<PresenceInfo> presence(PeerName caller) {
		return Mono.just(PresenceInfo.ONLINE);
	}

	@Override
	public Flux<PeerApplication> applications(PeerName caller) {
		return Flux.empty();
	}

	@Override
	public Flux<PeerObject> objects(PeerName caller) {
		return Flux.empty();
	}

	@Override
	public Mono<String> card(PeerName caller) {
		return Mono.empty();
	}

	@Override
	public Flux<PeerEvent> events(PeerName caller, long afterVersion) {
		return Flux.never();
	}

	@Override
	public Flux<SessionFrame> session(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound) {
		return Flux.empty();
	}

	@Override
	public Mono<Void> signedOut(PeerName caller) {
		return Mono.empty();
	}
}
