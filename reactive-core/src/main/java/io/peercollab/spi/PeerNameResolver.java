package io.peercollab.spi;

import io.peercollab.contact.PeerContact;
import reactor.core.publisher.Flux;

/**
 * Turns a contact into addresses at which it may be reached. The library asks every configured resolver at once
 * (together with its own card, last-seen and near-me sources) and connects to whichever address answers first; the
 * TLS pin on the contact's key decides who is real, so a resolver can help or fail to help, never fool.
 *
 * <p>Contract: the returned {@code Flux} emits records as they are found, in any order, possibly the same address
 * more than once, and completes when this source has nothing more to say; it is cancelled as soon as an address has
 * answered. A source that cannot serve the contact (no key it can look up, not started, nothing found) completes
 * empty; it fails only for errors the user must act on, and the library then goes on with the other sources.
 */
@FunctionalInterface
public interface PeerNameResolver {

	/**
	 * Looks the contact up.
	 *
	 * @param contact the contact: its name and pinned certificate, and what its card says
	 * @return the records found, completed when this source is done
	 */
	Flux<EndpointRecord> resolve(PeerContact contact);
}
