// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The {@link SentInvitation} of {@link Peer#send}: one subscription to the invitation, ended exactly once. */
final class OutgoingInvitation implements SentInvitation {

	private final Peer invitee;
	private final AtomicBoolean ended = new AtomicBoolean();
	private final Sinks.One<InvitationResponse> result = Sinks.unsafe().one();
	private final Mono<InvitationResponse> response = result.asMono();
	private final Disposable sending;

	OutgoingInvitation(Peer invitee, Mono<InvitationResponse> invitation) {
		this.invitee = invitee;
		this.sending = invitation.subscribe(r -> {
			if (ended.compareAndSet(false, true)) {
				result.tryEmitValue(r);
			}
		}, e -> {
			if (ended.compareAndSet(false, true)) {
				result.tryEmitError(e);
			}
		}, () -> {
			if (ended.compareAndSet(false, true)) {
				result.tryEmitError(new PeerUnreachableException(invitee.name() + " sent no answer"));
			}
		});
	}

	@Override
	public Peer invitee() {
		return invitee;
	}

	@Override
	public Mono<InvitationResponse> response() {
		return response;
	}

	@Override
	public boolean cancel() {
		if (!ended.compareAndSet(false, true)) {
			return false;
		}
		// the request is cancelled first: an invitation not yet delivered is then never sent
		sending.dispose();
		result.tryEmitValue(InvitationResponse.of(InvitationStatus.CANCELLED, ""));
		return true;
	}

	@Override
	public String toString() {
		return "SentInvitation[" + invitee.name() + (ended.get() ? ", ended" : ", pending") + "]";
	}
}
