// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.responder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.invite.Invitations;
import io.peercollab.internal.state.Disclosure;
import io.peercollab.internal.state.Followers;
import io.peercollab.internal.state.PublishedState;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Serves remote peers: what each caller may see of the {@link PublishedState}, its card, its follow stream, and the
 * requests other rooms answer (invitations and sessions, sign-out notices). The caller's name comes from the
 * transport's authentication.
 */
public final class Responder implements PeerRequestHandler {

	private final PublishedState state;
	private final Followers followers;
	private final Disclosure disclosure;
	private final Predicate<PeerName> allowedContact;
	private final Function<Disclosure.Audience, String> card;
	private final Invitations invitations;
	private final Consumer<PeerName> signedOut;

	/**
	 * @param state what this endpoint publishes
	 * @param followers the follow streams
	 * @param disclosure what each audience is shown
	 * @param allowedContact whether a caller is a contact allowed to follow this endpoint
	 * @param card this endpoint's card as an audience is shown it, encoded
	 * @param invitations answers invitations and serves sessions
	 * @param signedOut told when a peer says it signed out
	 */
	public Responder(PublishedState state, Followers followers, Disclosure disclosure, Predicate<PeerName> allowedContact,
			Function<Disclosure.Audience, String> card, Invitations invitations, Consumer<PeerName> signedOut) {
		this.state = state;
		this.followers = followers;
		this.disclosure = disclosure;
		this.allowedContact = allowedContact;
		this.card = card;
		this.invitations = invitations;
		this.signedOut = signedOut;
	}

	@Override
	public Mono<InviteReply> invite(PeerName caller, InviteRequest request) {
		return invitations.receive(caller, null, request);
	}

	@Override
	public Mono<InviteReply> invite(PeerName caller, @Nullable PeerAddress from, InviteRequest request) {
		return invitations.receive(caller, from, request);
	}

	@Override
	public Mono<PresenceInfo> presence(PeerName caller) {
		return Mono.fromSupplier(() -> {
			PresenceInfo p = state.current().visiblePresence(allowedContact.test(caller), disclosure);
			return p == null ? PresenceInfo.OFFLINE : p;
		});
	}

	@Override
	public Flux<PeerApplication> applications(PeerName caller) {
		return Flux.defer(() -> {
			PublishedState.Snapshot s = state.current();
			boolean allowed = allowedContact.test(caller);
			List<PeerApplication> visible = new ArrayList<>();
			for (PeerApplication a : s.applications().values()) {
				if (s.visible(a.scope(), allowed)) {
					visible.add(a.withoutLaunchDetails());
				}
			}
			return Flux.fromIterable(visible);
		});
	}

	@Override
	public Flux<PeerObject> objects(PeerName caller) {
		return Flux.defer(() -> {
			PublishedState.Snapshot s = state.current();
			boolean allowed = allowedContact.test(caller);
			List<PeerObject> visible = new ArrayList<>();
			for (PeerObject o : s.objects().values()) {
				if (s.visible(o.scope(), allowed)) {
					visible.add(o);
				}
			}
			return Flux.fromIterable(visible);
		});
	}

	/**
	 * Serves the card the caller's audience may see ({@link Disclosure#card}): a stranger on the Internet gets a card
	 * with the name and certificate only, which the handshake showed already, rather than a refusal, so that a blocked
	 * contact cannot tell it is blocked and {@code createContact} still works for a peer reached by address.
	 */
	@Override
	public Mono<String> card(PeerName caller) {
		return Mono.fromSupplier(
				() -> card.apply(Disclosure.audience(allowedContact.test(caller), state.current().scope())));
	}

	@Override
	public Flux<PeerEvent> events(PeerName caller, long afterVersion) {
		return followers.follow(caller, afterVersion);
	}

	@Override
	public Flux<SessionFrame> session(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound) {
		return invitations.serveSession(caller, open, inbound);
	}

	@Override
	public Mono<Void> signedOut(PeerName caller) {
		return Mono.fromRunnable(() -> signedOut.accept(caller));
	}
}
