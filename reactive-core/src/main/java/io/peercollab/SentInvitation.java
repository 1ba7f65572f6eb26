// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import reactor.core.publisher.Mono;

/**
 * An invitation this endpoint sent with {@link Peer#send}, as Windows' invitation handle: its answer, and a way to
 * cancel it that its own observers see.
 *
 * <p>The invitation is on its way from the moment {@code send} returns. {@link #response()} completes exactly once:
 * with the invitee's answer ({@code ACCEPTED}, {@code DECLINED}, {@code EXPIRED}), with {@code CANCELLED} if
 * {@link #cancel()} came first, or with the error {@link Peer#invite} would fail with. Cancelling before the invitation
 * was delivered (while this endpoint still looks up or connects to the invitee) means the invitee never sees it;
 * cancelling while it is pending there withdraws it (the invitee's {@link Invitation#outcome()} reads
 * {@code WITHDRAWN}); cancelling after the answer changes nothing.
 */
public interface SentInvitation {

	/** @return the invitee */
	Peer invitee();

	/**
	 * @return the outcome, replayed to every subscriber: the answer, or {@code CANCELLED}; fails as
	 * {@link Peer#invite} does. Cancelling a subscription to it does not cancel the invitation.
	 */
	Mono<InvitationResponse> response();

	/**
	 * Cancels the invitation unless it ended already; idempotent.
	 *
	 * @return {@code true} if this call ended it ({@link #response()} then emits {@code CANCELLED}); {@code false} if
	 * it had ended already (answered, failed, or cancelled before)
	 */
	boolean cancel();
}
