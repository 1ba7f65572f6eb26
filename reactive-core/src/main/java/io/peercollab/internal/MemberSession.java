package io.peercollab.internal;

import java.util.Set;
import java.util.UUID;

import io.peercollab.PeerApplication;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An invitee's side of a session: one channel to the host, which relays what the other members send.
 */
final class MemberSession extends SessionBase {

	private final MessageBuffer<SessionFrame> out = new MessageBuffer<>(RECEIVE_BUFFER);

	MemberSession(UUID id, PeerApplication application, PeerName host) {
		super(id, application, host);
	}

	/** Wires the channel the host opened: its inbound frames are received here; what is sent here goes out. */
	Flux<SessionFrame> serve(Flux<SessionFrame> fromHost) {
		// the host's frames end when the channel ends; dispose() closes this side's outbound, which ends the channel
		return out.flux().doOnSubscribe(s -> fromHost
				.concatMap(f -> received.offer(new SessionMessage(f.origin() == null ? host() : f.origin(), f.data()),
						Invitations::sessionClosed), WIRE_PREFETCH)
				.subscribe(null, e -> dispose(), this::dispose))
				.doFinally(s -> dispose());
	}

	@Override
	public boolean isHost() {
		return false;
	}

	@Override
	public Set<PeerName> members() {
		return isDisposed() ? Set.of() : Set.of(host());
	}

	@Override
	Mono<Void> sendFrame(SessionFrame frame) {
		return out.offer(frame, Invitations::sessionClosed);
	}

	@Override
	void onDispose() {
		out.close(Invitations::sessionClosed);
	}
}
