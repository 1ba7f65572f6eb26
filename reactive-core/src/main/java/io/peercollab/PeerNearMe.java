package io.peercollab;

/**
 * A peer found on the local network by discovery. Its name is what it announced: a claim until the first connection
 * proves it. Each announced endpoint is checked: one whose key does not match the name is dropped and reported as a
 * {@link Diagnostic.Kind#SPOOFED_NAME}, and a peer left without endpoints is removed from
 * {@link PeerCollaboration#peersNearMe()}. Once the name is proven, endpoints announced later are shown only after they
 * prove it too, so another endpoint announcing this peer's name can neither hide it nor appear as it.
 */
public interface PeerNearMe extends Peer {

	/** @return whether a connection has proven the announced name */
	boolean isVerified();
}
