// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

import reactor.core.publisher.Mono;

/**
 * An application of this endpoint, by id, as a program that registered it invites "as itself" (Windows invites with
 * the calling application's own registration): {@link PeerCollaboration#application(UUID)}. The registration is read
 * when an invitation is sent, so a handle can be made before registering and outlives re-registrations.
 */
public final class RegisteredApplication {

	private final PeerCollaboration collab;
	private final UUID id;

	RegisteredApplication(PeerCollaboration collab, UUID id) {
		this.collab = Objects.requireNonNull(collab, "collab");
		this.id = Objects.requireNonNull(id, "id");
	}

	/** @return the application's id */
	public UUID id() {
		return id;
	}

	/** @return the application as registered now, or empty if it is not registered */
	public Mono<PeerApplication> registration() {
		return Mono.fromSupplier(() -> collab.applications().stream().filter(a -> a.id().equals(id)).findFirst()
				.orElse(null));
	}

	/**
	 * Invites {@code peer} into this application, as {@link Peer#invite(PeerApplication, String, byte[])}.
	 *
	 * @return the answer; fails with {@link NotFoundException} naming the id if the application is not registered
	 * here, and as {@link Peer#invite} otherwise
	 * @throws NullPointerException if {@code peer} is {@code null}
	 */
	public Mono<InvitationResponse> invite(Peer peer, String message, byte[] data) {
		Objects.requireNonNull(peer, "peer");
		return registered().flatMap(a -> peer.invite(a, message, data));
	}

	/**
	 * As {@link #invite(Peer, String, byte[])}, with an expiry of its own.
	 *
	 * @throws NullPointerException if {@code peer} or {@code expiry} is {@code null}
	 */
	public Mono<InvitationResponse> invite(Peer peer, String message, byte[] data, Duration expiry) {
		Objects.requireNonNull(peer, "peer");
		Objects.requireNonNull(expiry, "expiry");
		return registered().flatMap(a -> peer.invite(a, message, data, expiry));
	}

	private Mono<PeerApplication> registered() {
		return registration().switchIfEmpty(Mono.error(() -> new NotFoundException("application " + id
				+ " is not registered here: register it before inviting into it")));
	}

	@Override
	public String toString() {
		return "RegisteredApplication[" + id + "]";
	}
}
