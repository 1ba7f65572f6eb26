package io.peercollab.internal;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;

import io.peercollab.PeerApplication;
import io.peercollab.PeerUnreachableException;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * An invitee's side of a session: one channel to the host, which relays what the other members send.
 */
final class MemberSession extends SessionBase {

	private final MessageBuffer<SessionFrame> out = new MessageBuffer<>(RECEIVE_BUFFER);

	MemberSession(UUID id, PeerApplication application, PeerName host) {
		super(id, application, host);
	}

	/**
	 * Wires the channel the host opened: its inbound frames are received here; what is sent here goes out.
	 *
	 * <p>How the host's frames end decides how the session ends: completion is the host's goodbye (a completed
	 * session), an error means the host is gone (a failed one, with {@link PeerUnreachableException}). The outbound
	 * side being cancelled says neither: a lost connection cancels it too, so only the inbound side decides.
	 */
	Flux<SessionFrame> serve(Flux<SessionFrame> fromHost) {
		return out.flux().doOnSubscribe(s -> fromHost
				.concatMap(f -> received.offer(new SessionMessage(f.origin() == null ? host() : f.origin(), f.data()),
						Invitations::sessionClosed), WIRE_PREFETCH)
				.subscribe(null, this::inboundFailed, this::dispose))
				.doFinally(s -> {
					if (s != SignalType.CANCEL) {
						dispose();
					}
				});
	}

	private void inboundFailed(Throwable e) {
		if (e instanceof CancellationException) {
			// the host cancelled the channel: it ended this member's part on purpose
			dispose();
		}
		else {
			fail(unreachable(host(), e));
		}
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
