// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.peercollab.PeerCollaboration;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Java snippet of the README, and the examples in {@code PeerIdentity}'s and {@code PeerCollaboration}'s Javadoc,
 * is a region of a compiled source in this module, so that a snippet that drifts from code that compiles (and, where
 * the region's class has a test, runs) fails the build.
 *
 * <p>A region is the lines between {@code // region NAME} and {@code // endregion}; it is compared after removing the
 * indentation its lines have in common and writing each remaining tab as four spaces (the README and the Javadoc
 * indent with spaces). Nothing else is changed: every other character must be equal.
 */
class DocumentedSnippetsTest {

	private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
	private static final Path SOURCES = Path.of("src/main/java").toAbsolutePath();
	private static final Pattern JAVA_BLOCK = Pattern.compile("^```java\\n(.*?)^```$",
			Pattern.DOTALL | Pattern.MULTILINE);
	private static final Pattern JAVADOC_BLOCK = Pattern.compile("<pre>\\{@code\\n(.*?)\\n\\s*\\* }</pre>",
			Pattern.DOTALL);

	@TempDir
	Path home;

	@Test
	void everyJavaSnippetOfTheReadmeIsARegionOfACompiledExample() {
		Map<String, String> regions = regions("readme-");
		List<String> snippets = new ArrayList<>();
		Matcher m = JAVA_BLOCK.matcher(read(ROOT.resolve("README.md")));
		while (m.find()) {
			snippets.add(m.group(1));
		}

		assertThat(snippets).as("the README's ```java blocks").isNotEmpty();
		for (String snippet : snippets) {
			assertThat(regions.values()).as("a README snippet that is no region of the examples:%n%s", snippet)
					.contains(snippet);
		}
		assertThat(snippets).as("every readme-* region is shown in the README").containsAll(regions.values());
		assertThat(regions).containsKeys("readme-quickstart", "readme-internet");
	}

	@Test
	void theJavadocExamplesOfPeerIdentityAndPeerCollaborationAreCompiledRegions() {
		Map<String, String> regions = regions("javadoc-");
		List<String> examples = new ArrayList<>();
		for (String file : List.of("identity/PeerIdentity.java", "PeerCollaboration.java")) {
			Matcher m = JAVADOC_BLOCK.matcher(
					read(ROOT.resolve("reactive-core/src/main/java/io/peercollab").resolve(file)));
			while (m.find()) {
				examples.add(m.group(1).lines().map(l -> l.replaceFirst("^\\s*\\* ?", "")).reduce("",
						(a, b) -> a + b + "\n"));
			}
		}

		assertThat(examples).hasSize(4);
		assertThat(examples).containsExactlyInAnyOrderElementsOf(regions.values());
	}

	@Test
	void thePeerIdentityExamplesRunAndDoWhatTheirCommentsSay() {
		char[] password = "secret".toCharArray();
		PeerIdentity everyday = JavadocExamples.everyday(home, password);
		assertThat(everyday.keyType()).isEqualTo(KeyType.ED25519);
		assertThat(JavadocExamples.everyday(home, password).name()).isEqualTo(everyday.name());

		List<PeerIdentity> byHand = JavadocExamples.byHand(home.resolve("by-hand"), password);
		assertThat(byHand.get(0).keyType()).as("generate(name) makes").isEqualTo(KeyType.ED25519);
		assertThat(byHand.get(1).keyType()).isEqualTo(KeyType.EC_P256);
		assertThat(byHand.get(2).name()).isEqualTo(byHand.get(0).name());
	}

	@Test
	void theBuilderExampleBuildsTwoEndpointsFromOneImmutableBuilder() {
		PeerIdentity alice = PeerIdentity.generate("alice");
		PeerIdentity bob = PeerIdentity.generate("bob");
		List<PeerCollaboration> built = JavadocExamples.twoFromOneBuilder(alice, bob);
		try {
			assertThat(built).extracting(PeerCollaboration::name).containsExactly(alice.name(), bob.name());
		}
		finally {
			built.forEach(c -> c.close().block(Duration.ofSeconds(10)));
		}
	}

	/** @return the regions whose names start with {@code prefix}, in every source of this module, by name */
	static Map<String, String> regions(String prefix) {
		Map<String, String> found = new LinkedHashMap<>();
		try (Stream<Path> files = Files.walk(SOURCES)) {
			for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
				List<String> lines = read(file).lines().toList();
				for (int i = 0; i < lines.size(); i++) {
					String start = lines.get(i).strip();
					if (!start.startsWith("// region " + prefix)) {
						continue;
					}
					String name = start.substring("// region ".length());
					int end = i + 1;
					while (!lines.get(end).strip().equals("// endregion")) {
						end++;
					}
					assertThat(found.put(name, normalise(lines.subList(i + 1, end)))).as("region %s twice", name)
							.isNull();
					i = end;
				}
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return found;
	}

	private static String normalise(List<String> lines) {
		int common = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
				.min().orElse(0);
		StringBuilder out = new StringBuilder();
		for (String line : lines) {
			String rest = line.isBlank() ? "" : line.substring(common);
			int tabs = 0;
			while (tabs < rest.length() && rest.charAt(tabs) == '\t') {
				tabs++;
			}
			out.append("    ".repeat(tabs)).append(rest.substring(tabs)).append('\n');
		}
		return out.toString();
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
