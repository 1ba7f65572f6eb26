// SPDX-License-Identifier: Apache-2.0
package io.peercollab.identity;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;


import io.peercollab.PeerIdentityException;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Who this endpoint is: a key pair and a self-signed X.509 certificate for it, usable for TLS client and server
 * authentication. Its {@link #name() PeerName} is derived from the public key, so it cannot be claimed without the
 * private key.
 *
 * <p>The everyday call keeps one identity across runs: the first run generates it and saves it, every later run
 * loads it.
 *
 * <pre>{@code
 * PeerIdentity me = PeerIdentity.loadOrGenerate(home.resolve("alice.p12"), password, "alice"); // Ed25519
 * }</pre>
 *
 * <p>The same by hand, or with an EC P-256 key:
 *
 * <pre>{@code
 * PeerIdentity me = PeerIdentity.generate("alice");                    // Ed25519, the default
 * PeerIdentity ec = PeerIdentity.generate("alice", KeyType.EC_P256);   // EC P-256 on request
 * me.save(home.resolve("alice.p12"), password);
 * PeerIdentity again = PeerIdentity.load(home.resolve("alice.p12"), password);
 * }</pre>
 *
 * <p>(These examples are compiled and run by the examples module's tests.)
 *
 * <p>Generating, saving and loading are blocking (key generation, file I/O): call them at start-up or on a blocking-
 * friendly scheduler, not on an event loop. Instances are immutable and thread-safe.
 */
public final class PeerIdentity {

	private static final String ALIAS = "peercollab-identity";
	private static final Duration VALIDITY = Duration.ofDays(3650);
	private static final BouncyCastleProvider BC = new BouncyCastleProvider();

	private final PeerName name;
	private final KeyType keyType;
	private final PrivateKey privateKey;
	private final X509Certificate certificate;

	private PeerIdentity(PrivateKey privateKey, X509Certificate certificate, String classifier) {
		this.privateKey = privateKey;
		this.certificate = certificate;
		this.keyType = KeyType.of(certificate.getPublicKey().getAlgorithm());
		this.name = PeerName.secured(certificate, classifier);
	}

	/**
	 * Generates an Ed25519 identity, the default: its key also signs the identity's Internet records (Mainline DHT),
	 * so contacts can find it by identity alone. An EC P-256 identity ({@link #generate(String, KeyType)}) works
	 * everywhere else but is reached on the Internet only through its card and the endpoints it was last seen at.
	 *
	 * @param classifier the classifier of the identity's {@link PeerName}, such as {@code "alice"}
	 * @throws IllegalArgumentException if the classifier is not valid for a {@link PeerName}
	 */
	public static PeerIdentity generate(String classifier) {
		return generate(classifier, KeyType.ED25519);
	}

	/**
	 * Generates an identity with a key of the given type.
	 *
	 * @param classifier the classifier of the identity's {@link PeerName}
	 * @param keyType the kind of key
	 * @throws IllegalArgumentException if the classifier is not valid for a {@link PeerName}
	 * @throws PeerIdentityException if the platform cannot generate such a key
	 */
	public static PeerIdentity generate(String classifier, KeyType keyType) {
		PeerName.unsecured(classifier); // validates the classifier before any expensive work
		Objects.requireNonNull(keyType, "keyType");
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance(keyType.keyAlgorithm());
			if (keyType == KeyType.EC_P256) {
				generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
			}
			KeyPair pair = generator.generateKeyPair();
			return new PeerIdentity(pair.getPrivate(), selfSign(pair, classifier, keyType), classifier);
		}
		catch (GeneralSecurityException | OperatorCreationException | IOException e) {
			throw new PeerIdentityException("Could not generate a " + keyType + " identity: " + e.getMessage(), e);
		}
	}

	/**
	 * Loads the identity saved at {@code path}, or, when there is no file there yet, generates an Ed25519 identity
	 * named {@code classifier} and saves it there: the call that keeps one identity across runs.
	 *
	 * <p>A new file is created together with its missing parent directories, readable and writable by its owner only
	 * where the file system supports POSIX permissions, and appears complete or not at all. An existing file is never
	 * overwritten: if it cannot be loaded (a wrong password, a damaged file, a file that is not a PeerCollab
	 * identity) or holds another classifier's identity, this fails and the file is left as it is. When several
	 * processes or threads make the first call on one path at once, one identity wins and every caller gets it.
	 * Blocking (key generation, file I/O), like {@link #generate(String)} and {@link #load(Path, char[])}.
	 *
	 * @param path the identity file, a password-protected PKCS#12 key store
	 * @param password the file's password
	 * @param classifier the classifier of a new identity's {@link PeerName}; an existing file must hold an identity
	 * with this classifier
	 * @return the identity in the file, or the new one just saved there
	 * @throws PeerIdentityException if the file exists and cannot be loaded (the message says why: wrong password,
	 * damaged, not an identity), holds an identity with another classifier, or a new file cannot be written
	 * @throws IllegalArgumentException if the classifier is not valid for a {@link PeerName}
	 * @throws NullPointerException if an argument is {@code null}
	 */
	public static PeerIdentity loadOrGenerate(Path path, char[] password, String classifier) {
		Objects.requireNonNull(path, "path");
		Objects.requireNonNull(password, "password");
		Objects.requireNonNull(classifier, "classifier");
		String wanted = PeerName.unsecured(classifier).classifier(); // validates (and normalises) before any work
		if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
			PeerIdentity generated = generate(classifier);
			if (generated.saveNew(path, password)) {
				return generated;
			}
			// Another caller created the file first: its identity is the one to use.
		}
		PeerIdentity loaded = load(path, password);
		if (!loaded.name().classifier().equals(wanted)) {
			throw new PeerIdentityException("The identity file " + path + " holds the identity of '"
					+ loaded.name().classifier() + "', not of '" + wanted + "'; use another file for '" + wanted
					+ "' (the file was left as it is)");
		}
		return loaded;
	}

	/**
	 * Loads an identity saved with {@link #save(Path, char[])}.
	 *
	 * @throws PeerIdentityException if the file is missing, damaged, not a PeerCollab identity, or the password is
	 * wrong; the message says which
	 */
	public static PeerIdentity load(Path path, char[] password) {
		Objects.requireNonNull(path, "path");
		Objects.requireNonNull(password, "password");
		KeyStore store;
		try (InputStream in = Files.newInputStream(path)) {
			store = KeyStore.getInstance("PKCS12");
			store.load(in, password);
		}
		catch (NoSuchFileException e) {
			throw new PeerIdentityException("No identity file at " + path + ": generate one and save it first", e);
		}
		catch (IOException e) {
			if (isBadPassword(e)) {
				// PKCS#12 cannot tell a wrong password from an altered file: both fail the same integrity check.
				throw new PeerIdentityException("Wrong password for the identity file " + path
						+ " (or the file was altered since it was saved)", e);
			}
			throw new PeerIdentityException(
					"The identity file " + path + " is damaged or not a PKCS#12 file: " + describe(e), e);
		}
		catch (GeneralSecurityException | RuntimeException e) {
			throw new PeerIdentityException("The identity file " + path + " is damaged: " + describe(e), e);
		}
		PrivateKey key;
		X509Certificate x509;
		try {
			if (!store.isKeyEntry(ALIAS)) {
				throw new PeerIdentityException(
						"The file " + path + " holds no PeerCollab identity (no key entry '" + ALIAS + "')");
			}
			if (!(store.getKey(ALIAS, password) instanceof PrivateKey k)) {
				throw new PeerIdentityException("The file " + path + " holds no PeerCollab identity (the entry '"
						+ ALIAS + "' is not a private key)");
			}
			key = k;
			if (!(store.getCertificate(ALIAS) instanceof X509Certificate c)) {
				throw new PeerIdentityException("The identity file " + path + " has no X.509 certificate");
			}
			x509 = c;
		}
		catch (UnrecoverableKeyException e) {
			throw new PeerIdentityException("Wrong password for the identity file " + path, e);
		}
		catch (GeneralSecurityException | RuntimeException e) {
			if (e instanceof PeerIdentityException p) {
				throw p;
			}
			throw new PeerIdentityException("The identity file " + path + " is damaged: " + describe(e), e);
		}
		try {
			PeerIdentity identity = new PeerIdentity(key, x509, PeerName.of(x509).classifier());
			checkKeyPair(key, x509);
			return identity;
		}
		catch (GeneralSecurityException | RuntimeException e) {
			if (e instanceof PeerIdentityException p) {
				throw p;
			}
			throw new PeerIdentityException(
					"The file " + path + " holds no usable PeerCollab identity: " + describe(e), e);
		}
	}

	/**
	 * Saves this identity to a password-protected PKCS#12 file, replacing the file atomically where the file system
	 * allows.
	 *
	 * @throws PeerIdentityException if the file cannot be written
	 */
	public void save(Path path, char[] password) {
		Objects.requireNonNull(path, "path");
		Objects.requireNonNull(password, "password");
		try {
			KeyStore store = KeyStore.getInstance("PKCS12");
			store.load(null, null);
			store.setKeyEntry(ALIAS, privateKey, password, new Certificate[] { certificate });
			Path dir = path.toAbsolutePath().getParent();
			if (dir != null) {
				Files.createDirectories(dir);
			}
			Path tmp = Files.createTempFile(dir, ".identity", ".tmp");
			try {
				try (OutputStream out = Files.newOutputStream(tmp)) {
					store.store(out, password);
				}
				try {
					Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
				}
				catch (AtomicMoveNotSupportedException e) {
					Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
				}
			}
			finally {
				Files.deleteIfExists(tmp);
			}
		}
		catch (IOException | GeneralSecurityException e) {
			throw new PeerIdentityException("Could not save the identity to " + path + ": " + e.getMessage(), e);
		}
	}

	/**
	 * Writes this identity to {@code path} unless a file is already there, atomically: the file is written under a
	 * temporary name (owner-only where POSIX permissions exist) and then linked to {@code path}, which fails if
	 * {@code path} exists, so that a concurrent creator can never be overwritten nor see half a file.
	 *
	 * @return {@code true} if this call created the file, {@code false} if one was already there
	 */
	private boolean saveNew(Path path, char[] password) {
		Path dir = path.toAbsolutePath().getParent();
		try {
			if (dir != null) {
				Files.createDirectories(dir);
			}
			Path tmp = path.getFileSystem().supportedFileAttributeViews().contains("posix")
					? Files.createTempFile(dir, ".identity", ".tmp",
							PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
					: Files.createTempFile(dir, ".identity", ".tmp");
			try {
				KeyStore store = KeyStore.getInstance("PKCS12");
				store.load(null, null);
				store.setKeyEntry(ALIAS, privateKey, password, new Certificate[] { certificate });
				try (OutputStream out = Files.newOutputStream(tmp)) {
					store.store(out, password);
				}
				try {
					Files.createLink(path, tmp);
				}
				catch (UnsupportedOperationException | FileSystemException e) {
					if (e instanceof FileAlreadyExistsException) {
						return false;
					}
					// No hard links here: a move without REPLACE_EXISTING still refuses an existing file.
					Files.move(tmp, path);
				}
				return true;
			}
			finally {
				Files.deleteIfExists(tmp);
			}
		}
		catch (FileAlreadyExistsException e) {
			return false;
		}
		catch (IOException | GeneralSecurityException e) {
			throw new PeerIdentityException("Could not save the new identity to " + path + ": " + e.getMessage(), e);
		}
	}

	/** @return the secured name derived from this identity's public key */
	public PeerName name() {
		return name;
	}

	/** @return the kind of key */
	public KeyType keyType() {
		return keyType;
	}

	/** @return the self-signed certificate presented in every TLS handshake */
	public X509Certificate certificate() {
		return certificate;
	}

	/** @return the public key */
	public PublicKey publicKey() {
		return certificate.getPublicKey();
	}

	/** @return the private key; it never leaves this machine */
	public PrivateKey privateKey() {
		return privateKey;
	}

	@Override
	public String toString() {
		return "PeerIdentity[" + name + ", " + keyType + "]";
	}

	private static X509Certificate selfSign(KeyPair pair, String classifier, KeyType keyType)
			throws OperatorCreationException, GeneralSecurityException, IOException {
		// The CN is given as an encoded value: BCStyle would read a string beginning with '#' as hex-encoded DER.
		X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, new DERUTF8String(classifier))
				.addRDN(BCStyle.O, "PeerCollab").build();
		Instant now = Instant.now();
		X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
				new BigInteger(127, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
				Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
		builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
		builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
		builder.addExtension(Extension.extendedKeyUsage, false,
				new ExtendedKeyUsage(new KeyPurposeId[] { KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth }));
		ContentSigner signer = new JcaContentSignerBuilder(keyType.signatureAlgorithm()).setProvider(BC)
				.build(pair.getPrivate());
		X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
		cert.verify(pair.getPublic());
		return cert;
	}

	/** Refuses a file whose private key does not belong to its certificate: such an identity fails every handshake. */
	private static void checkKeyPair(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
		String algorithm = KeyType.of(cert.getPublicKey().getAlgorithm()).signatureAlgorithm();
		byte[] probe = "peercollab key pair check".getBytes(StandardCharsets.US_ASCII);
		Signature signer = Signature.getInstance(algorithm);
		signer.initSign(key);
		signer.update(probe);
		byte[] signature = signer.sign();
		Signature verifier = Signature.getInstance(algorithm);
		verifier.initVerify(cert.getPublicKey());
		verifier.update(probe);
		if (!verifier.verify(signature)) {
			throw new IllegalArgumentException("its private key does not belong to its certificate");
		}
	}

	private static boolean isBadPassword(IOException e) {
		// The JDK reports a failed integrity check as an IOException caused by UnrecoverableKeyException; other
		// providers only say so in words.
		for (Throwable t = e; t != null; t = t.getCause()) {
			if (t instanceof UnrecoverableKeyException) {
				return true;
			}
		}
		return String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("password");
	}

	private static String describe(Throwable e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}
}
