// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import io.peercollab.Peer;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.ContactStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The contacts of an endpoint: a reactive repository over its {@link ContactStore}, with a change feed and contact
 * cards. Obtained from {@code PeerCollaboration.contacts()}.
 *
 * <p>Every method is lazy and non-blocking. Writes complete once the store has made them durable, and are then
 * emitted by {@link #changes()}.
 */
public interface ContactManager {

	/**
	 * @return the local contact made from the identity: its name and certificate, with the nickname, display name
	 * and e-mail set by {@link #updateMe}
	 */
	PeerContact me();

	/**
	 * Changes what the local contact shows; its name and certificate cannot change.
	 *
	 * @return the new local contact; fails with {@link io.peercollab.PayloadTooLargeException} if a field is longer
	 * than its limit ({@value PeerContact#MAX_TEXT_LENGTH} characters, {@value PeerContact#MAX_EMAIL_LENGTH} for the
	 * e-mail address), with {@link IllegalArgumentException} if the e-mail address is malformed
	 */
	Mono<PeerContact> updateMe(String nickname, String displayName, String email);

	/**
	 * @return the stored contact; fails with {@link io.peercollab.AlreadyExistsException} if one with the same name
	 * exists
	 */
	Mono<PeerContact> add(PeerContact contact);

	/**
	 * Makes a contact of a peer: fetches its card over a connection that proves the peer's name, checks the card
	 * names that same peer, and stores it.
	 *
	 * @return the stored contact; fails with {@link io.peercollab.PeerIdentityMismatchException} if the card names
	 * another peer than the connection proved, {@link io.peercollab.AlreadyExistsException} if it is a contact already
	 */
	Mono<PeerContact> createContact(Peer peer);

	/** @return the contact with this name, or empty */
	Mono<PeerContact> find(PeerName name);

	/** @return every contact, ordered by name */
	Flux<PeerContact> findAll();

	/**
	 * @return the stored contact; fails with {@link io.peercollab.NotFoundException} if there is none with that name
	 */
	Mono<PeerContact> update(PeerContact contact);

	/** @return completes when deleted; fails with {@link io.peercollab.NotFoundException} if there is none */
	Mono<Void> delete(PeerName name);

	/**
	 * The contact list and its changes.
	 *
	 * <p>Emits first every stored contact as {@code ADDED}, then each add, update and delete made through this manager
	 * as it is acknowledged by the store. Overflow: each subscriber has its own buffer of
	 * {@value #CHANGES_BUFFER} changes; a subscriber that falls further behind fails with
	 * {@link reactor.core.Exceptions#failWithOverflow() overflow} and may subscribe again to get the current state.
	 * Never blocks a writer.
	 *
	 * @return the changes
	 */
	Flux<ContactChange> changes();

	/** The changes {@link #changes()} holds for one slow subscriber before failing it. */
	int CHANGES_BUFFER = 1_024;

	/**
	 * The presence of followed contacts ({@code subscribed} is {@code true}), kept current over their
	 * {@link Peer#events()} while this endpoint is signed in, to any scope.
	 *
	 * <p>A followed contact is followed wherever it can be reached: near me, at its card's or last known address, or
	 * through the configured resolvers (Internet scope), on every endpoint it is signed in on (its devices), as
	 * {@link Peer#events()} follows a contact: its presence is the most available of its endpoints', as
	 * {@link Peer#mergedEndPoints()} shows it. Emits first the presence known now of every followed contact
	 * ({@code OFFLINE} until it is reached), then each change. Following starts when signing in or when a contact
	 * becomes followed, and stops on signing out of every scope (every followed contact then reads {@code OFFLINE}) or
	 * when it is unfollowed or deleted. A contact that cannot be reached reads {@code OFFLINE}: as {@link Peer#events()}
	 * says, when the connection to its last endpoint is lost (a killed process: at once; a silent network: when the
	 * keepalive gives up); it reads its presence again once an endpoint answers. Overflow: keeps, for a slow subscriber, a buffer of {@value #CHANGES_BUFFER}
	 * changes, then fails it with an overflow error.
	 *
	 * @return the presences
	 */
	Flux<ContactPresence> presences();

	/**
	 * The applications and objects of every followed contact, kept current over the same streams as
	 * {@link #presences()} (Windows reports them as endpoint application and object changes of the watched contacts).
	 *
	 * <p>Emits first, as {@code ADDED}, every application and object each followed contact showed this endpoint so far,
	 * then each change as the contact's {@link Peer#events()} reports it: merged over its endpoints by id, an item is
	 * {@code ADDED} when the first endpoint shows it and {@code REMOVED} when the last one stops (or leaves while
	 * another still answers). A contact that cannot be reached keeps its
	 * items as last seen (its presence reads {@code OFFLINE}); a contact that is unfollowed or deleted, or every contact
	 * when this endpoint signs out of every scope, shows each of its items {@code REMOVED}. Overflow as
	 * {@link #presences()}.
	 *
	 * @return the changes, one contact's in the order it made them
	 */
	Flux<ContactItemChange> itemChanges();

	/**
	 * @return the local contact's card, as XML (see {@code CONTACT-CARD.md}): who this endpoint is (name,
	 * certificate, nickname, display name, e-mail, endpoints), never what it allows
	 */
	String exportCard();

	/**
	 * @return this contact's card, as XML: who the contact is; its {@code subscribed} and {@code subscribeAllowed}
	 * settings are this endpoint's own and are left out
	 */
	String exportCard(PeerContact contact);

	/**
	 * Reads a card without storing it. The contact gets this endpoint's defaults for what a card never decides:
	 * {@code subscribed} is {@code false} and {@code subscribeAllowed} is {@code ALLOWED}, even when an older card
	 * carries other values (they are ignored); change them with {@link #update(PeerContact)} afterwards.
	 *
	 * @throws io.peercollab.InvalidContactCardException if the card is malformed, hostile, over a limit, or names
	 * another key than its certificate's
	 */
	PeerContact parseCard(String xml);

	/**
	 * Reads a card and adds the contact, not subscribed and {@code ALLOWED} to follow this endpoint, as
	 * {@link #parseCard(String)} reads it.
	 *
	 * @return the stored contact; fails with {@link io.peercollab.InvalidContactCardException} or
	 * {@link io.peercollab.AlreadyExistsException}
	 */
	Mono<PeerContact> importCard(String xml);
}
