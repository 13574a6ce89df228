package dev.anyup.streams.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * Static checks of docker/ (no Docker engine needed): the Dockerfiles and compose.yaml reference files that exist,
 * ports and health paths agree with the app's ops server, the topics created by compose are the app's topics with
 * its partitions and record limits, start-up ordering is well-founded, and every image is pinned.
 *
 * <p>Application defaults come from CONTRACTS.md (constants below). Where the application's own config loader is on
 * the classpath, docker/app.yaml is also loaded through it, so a key the app rejects fails here, not in a container.
 */
class DockerAssetsTest {

    // CONTRACTS.md, "Operational contracts"
    private static final int HTTP_PORT = 8080;
    private static final Set<String> OPS_ENDPOINTS = Set.of("/health", "/ready", "/metrics");
    private static final Map<String, String> CONTRACT_TOPICS = Map.of(
            "topics.input", "images", "topics.dense", "features.dense",
            "topics.embeddings", "features.embeddings", "topics.dlq", "images.dlq");
    private static final int CONTRACT_PARTITIONS = 3;
    private static final String CONFIG_PATH = "/etc/anyup-streams/app.yaml";
    private static final Set<String> CONTRACT_KEYS = Set.of(
            "application.id", "bootstrap.servers", "schema.registry.url",
            "topics.input", "topics.dense", "topics.embeddings", "topics.dlq", "topics.partitions", "topics.replication",
            "model.bundle", "model.device", "model.input.size", "model.upsampler", "model.threads",
            "output.dense.enabled", "output.dense.dtype", "output.dense.size", "output.projection",
            "output.embeddings.enabled", "output.regions.grid", "batch.max.size", "batch.max.wait.ms",
            "limits.image.max.bytes", "limits.image.max.pixels", "http.port");
    private static final List<String> PASS_THROUGH_PREFIXES =
            List.of("kafka.", "streams.", "producer.", "consumer.", "admin.", "schema.registry.");
    /** The app sizes its dead-letter records as the input record plus this much (topology's OutputSizing). */
    private static final long DEAD_LETTER_HEADROOM = 64 * 1024;
    /** The app's default limits.image.max.bytes (topology's AppConfig.Limits): the input topic must admit it. */
    private static final long DEFAULT_MAX_IMAGE_BYTES = 20L * 1024 * 1024;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern URL = Pattern.compile("https?://([^/:\\s\"]+):(\\d+)(/[^\\s\"]*)?");

    private static Path repo;
    private static Path docker;
    private static Dockerfile cpu;
    private static Dockerfile gpu;
    private static JsonNode compose;
    private static JsonNode services;
    private static Map<String, String> appYaml;

    @BeforeAll
    static void readAssets() throws IOException {
        repo = findRepoRoot();
        docker = repo.resolve("docker");
        cpu = Dockerfile.read(docker.resolve("Dockerfile"));
        gpu = Dockerfile.read(docker.resolve("Dockerfile.gpu"));
        compose = YAML.readTree(docker.resolve("compose.yaml").toFile());
        services = compose.path("services");
        appYaml = flatten(YAML.readTree(docker.resolve("app.yaml").toFile()));
    }

    // ---------------------------------------------------------------- Dockerfiles

    @Test
    void dockerfileCopySourcesExistInTheRepository() {
        for (Dockerfile f : List.of(cpu, gpu)) {
            for (Dockerfile.Stage stage : f.stages()) {
                for (Dockerfile.Instruction copy : stage.all("COPY")) {
                    if (copy.flag("from").isPresent()) {
                        continue;
                    }
                    List<String> operands = copy.operands();
                    assertTrue(operands.size() >= 2, f.path() + ": " + copy + " needs a source and a destination");
                    for (String source : operands.subList(0, operands.size() - 1)) {
                        assertTrue(Files.exists(repo.resolve(source)),
                                f.path().getFileName() + ": " + copy + ": " + source + " does not exist in the repository");
                        assertFalse(source.contains("target/") || source.startsWith(".git"),
                                f.path().getFileName() + ": " + copy + " copies a build output or .git from the context,"
                                        + " which the .dockerignore excludes");
                    }
                }
            }
        }
    }

    @Test
    void runtimeCopiesWhatTheBuildStageProduces() throws Exception {
        String finalName = xpath(repo.resolve("topology/pom.xml"),
                "//plugin[artifactId='maven-jar-plugin']/configuration/finalName");
        String libDir = xpath(repo.resolve("topology/pom.xml"),
                "//plugin[artifactId='maven-dependency-plugin']//execution[goals/goal='copy-dependencies']"
                        + "/configuration/outputDirectory");
        assertEquals("anyup-streams", finalName, "CONTRACTS.md: topology/target/anyup-streams.jar");
        assertEquals("${project.build.directory}/lib", libDir, "CONTRACTS.md: topology/target/lib/*.jar");

        for (Dockerfile f : List.of(cpu, gpu)) {
            Dockerfile.Stage build = f.stage("build").orElseThrow(() -> new AssertionError(f.path() + ": no build stage"));
            String workdir = build.last("WORKDIR").orElseThrow().args() + "/";
            for (Dockerfile.Instruction copy : f.finalStage().all("COPY")) {
                if (!"build".equals(copy.flag("from").orElse(null))) {
                    continue;
                }
                String source = copy.operands().get(0);
                assertTrue(source.startsWith(workdir), f.path().getFileName() + ": " + copy + " is outside " + workdir);
                String rel = source.substring(workdir.length()).replaceAll("/$", "");
                if (rel.equals("topology/target/" + finalName + ".jar") || rel.equals("topology/target/lib")) {
                    continue;
                }
                Matcher m = Pattern.compile("(\\w+)/target/classes/(.+)").matcher(rel);
                assertTrue(m.matches(), f.path().getFileName() + ": " + copy + ": " + rel + " is not a known build output");
                Path resource = repo.resolve(m.group(1) + "/src/main/resources/" + m.group(2));
                // The sample images arrive with the topology branch (demo/produce); until then this cannot be checked.
                assumeTrue(Files.exists(resource), resource + " not in this checkout yet");
                assertTrue(Files.isDirectory(resource) || Files.isRegularFile(resource));
            }
        }
    }

    @Test
    void buildStagesRunTheReadmeBuild() {
        assertTrue(runCommands(cpu.stage("build").orElseThrow()).contains("mvn -B -DskipTests package"),
                "CPU image must build with `mvn -B -DskipTests package`");
        assertTrue(runCommands(gpu.stage("build").orElseThrow()).contains("mvn -B -Pgpu -DskipTests package"),
                "GPU image must build with the gpu profile");
    }

    @Test
    void imagesArePinned() {
        for (Dockerfile f : List.of(cpu, gpu)) {
            Set<String> stageNames = new HashSet<>();
            for (Dockerfile.Stage s : f.stages()) {
                if (!stageNames.contains(s.image())) {
                    assertPinned(f.path().getFileName() + " FROM", s.image());
                }
                if (s.name() != null) {
                    stageNames.add(s.name());
                }
            }
        }
        services.properties().forEach(e -> {
            JsonNode image = e.getValue().get("image");
            assertNotNull(image, "compose service " + e.getKey() + " has no image tag");
            assertPinned("compose service " + e.getKey(), image.asText());
        });
    }

    @Test
    void exposedPortAndHealthcheckMatchTheOpsServer() throws IOException {
        assertEquals(Integer.toString(HTTP_PORT), appYaml.get("http.port"), "docker/app.yaml http.port");
        for (Dockerfile f : List.of(cpu, gpu)) {
            String name = f.path().getFileName().toString();
            Dockerfile.Stage runtime = f.finalStage();
            assertEquals(List.of(Integer.toString(HTTP_PORT)), runtime.last("EXPOSE").orElseThrow().operands(), name);

            String health = runtime.last("HEALTHCHECK").orElseThrow(() -> new AssertionError(name + ": no HEALTHCHECK"))
                    .args();
            Matcher url = URL.matcher(health);
            assertTrue(url.find(), name + ": HEALTHCHECK has no URL: " + health);
            assertEquals(Integer.toString(HTTP_PORT), url.group(2), name + ": HEALTHCHECK port");
            assertEquals("/health", url.group(3), name + ": the image's HEALTHCHECK is liveness");
            assertOpsEndpoint(url.group(3));

            String tool = health.substring(health.indexOf("CMD") + 3).strip().split("\\s+")[0];
            assertTrue(tool.equals("java") || runCommands(runtime).matches("(?s).*apt-get install[^&]*\\b" + tool + "\\b.*"),
                    name + ": the HEALTHCHECK tool '" + tool + "' is not installed in the runtime stage");
        }
    }

    @Test
    void runtimeRunsAsNonRootWithContainerJvmFlagsAndConfigPath() {
        for (Dockerfile f : List.of(cpu, gpu)) {
            String name = f.path().getFileName().toString();
            Dockerfile.Stage runtime = f.finalStage();
            String user = runtime.last("USER").orElseThrow(() -> new AssertionError(name + ": no USER")).args();
            assertFalse(user.startsWith("root") || user.startsWith("0"), name + ": runs as " + user);

            Map<String, String> env = env(runtime);
            String jvm = env.getOrDefault("JAVA_TOOL_OPTIONS", "") + " "
                    + runtime.last("ENTRYPOINT").orElseThrow().args();
            assertTrue(jvm.contains("-XX:MaxRAMPercentage="), name + ": no container-aware heap flag");
            assertTrue(jvm.contains("-XX:+ExitOnOutOfMemoryError"), name + ": no ExitOnOutOfMemoryError");

            assertEquals(CONFIG_PATH, env.get("ANYUP_CONFIG"), name + ": ANYUP_CONFIG");
            assertTrue(copyDestinations(runtime).contains(CONFIG_PATH), name + ": nothing is copied to " + CONFIG_PATH);
            List<String> entrypoint = runtime.last("ENTRYPOINT").orElseThrow().words();
            String jar = entrypoint.get(entrypoint.indexOf("-jar") + 1);
            assertTrue(copyDestinations(runtime).contains(jar), name + ": ENTRYPOINT runs " + jar + ", which is not copied");
        }
    }

    @Test
    void gpuImageUsesCudaCudnnAndTheGpuProfile() throws Exception {
        String base = gpu.finalStage().image();
        assertTrue(base.matches("nvidia/cuda:12\\.\\d+\\.\\d+-cudnn-runtime-ubuntu\\d+\\.\\d+"),
                "GPU base must be a CUDA 12 + cuDNN runtime image but was " + base);
        assertEquals("cuda:0", env(gpu.finalStage()).get("ANYUP_MODEL_DEVICE"));

        Path topologyPom = repo.resolve("topology/pom.xml");
        String gpuProfile = "//profile[id='gpu']/dependencies/dependency";
        assertEquals("onnxruntime_gpu", xpath(topologyPom,
                gpuProfile + "[groupId='com.microsoft.onnxruntime']/artifactId"));
        assertEquals("onnxruntime", xpath(topologyPom,
                gpuProfile + "[artifactId='onnxruntime-engine']/exclusions/exclusion/artifactId"),
                "the gpu profile must exclude the CPU runtime from DJL's engine");
        String pinned = xpath(repo.resolve("pom.xml"),
                "/project/dependencyManagement/dependencies/dependency[artifactId='onnxruntime_gpu']/version");
        Matcher property = Pattern.compile("\\$\\{(.+)}").matcher(pinned);
        assertTrue(property.matches(), "onnxruntime_gpu must be pinned through a root property, was " + pinned);
        assertFalse(xpath(repo.resolve("pom.xml"), "/project/properties/" + property.group(1)).isBlank(),
                "root property " + property.group(1) + " is not set");
    }

    // ---------------------------------------------------------------- compose.yaml

    @Test
    void dependsOnTargetsExistAndProvideWhatTheConditionWaitsFor() {
        Map<String, List<String>> graph = new HashMap<>();
        services.properties().forEach(e -> {
            String service = e.getKey();
            List<String> targets = new ArrayList<>();
            e.getValue().path("depends_on").properties().forEach(d -> {
                String target = d.getKey();
                targets.add(target);
                JsonNode targetService = services.get(target);
                assertNotNull(targetService, service + " depends on unknown service " + target);
                String condition = d.getValue().path("condition").asText("service_started");
                switch (condition) {
                    case "service_healthy" -> assertTrue(hasHealthcheck(targetService),
                            service + " waits for " + target + " to be healthy, but " + target + " has no healthcheck");
                    case "service_completed_successfully" -> {
                        assertEquals("no", targetService.path("restart").asText("no"),
                                service + " waits for " + target + " to complete, but it restarts");
                        assertTrue(targetService.path("ports").isMissingNode(),
                                target + " is a one-shot job and should publish no ports");
                    }
                    case "service_started" -> { }
                    default -> fail(service + " -> " + target + ": unknown condition " + condition);
                }
                assertTrue(targetService.path("profiles").isMissingNode() || e.getValue().has("profiles"),
                        service + " (default profile) depends on " + target + ", which only runs in a profile");
            });
            graph.put(service, targets);
        });
        for (String s : graph.keySet()) {
            assertAcyclic(graph, s, new ArrayList<>());
        }
    }

    @Test
    void buildContextsDockerfilesAndBindMountsExist() {
        services.properties().forEach(e -> {
            JsonNode build = e.getValue().path("build");
            if (!build.isMissingNode()) {
                Path context = docker.resolve(build.path("context").asText(".")).normalize();
                assertEquals(repo, context, e.getKey() + ": the build context must be the repository root");
                Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
                assertTrue(Files.isRegularFile(dockerfile), e.getKey() + ": " + dockerfile + " does not exist");
            }
            for (JsonNode volume : e.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertTrue(Files.exists(docker.resolve(source)), e.getKey() + ": bind mount " + source + " missing");
                }
            }
        });
    }

    @Test
    void appServicesPublishTheOpsPortAndProbeItsEndpoints() {
        for (String name : appServices()) {
            JsonNode app = services.get(name);
            boolean published = false;
            for (JsonNode port : app.path("ports")) {
                String[] parts = port.asText().split(":");
                published |= parts[parts.length - 1].equals(Integer.toString(HTTP_PORT));
            }
            assertTrue(published, name + " does not publish container port " + HTTP_PORT);
            String test = String.join(" ", YAML.convertValue(app.path("healthcheck").path("test"), String[].class));
            Matcher url = URL.matcher(test);
            assertTrue(url.find(), name + ": healthcheck has no URL: " + test);
            assertEquals(Integer.toString(HTTP_PORT), url.group(2), name + ": healthcheck port");
            assertOpsEndpoint(url.group(3));
            assertTrue(app.path("volumes").toString().contains(":" + CONFIG_PATH), name + " does not mount app.yaml");
            assertEquals(CONFIG_PATH, app.path("environment").path("ANYUP_CONFIG").asText(), name + ": ANYUP_CONFIG");
        }
    }

    @Test
    void topicsServiceCreatesTheAppsTopicsWithItsPartitionsAndRecordLimits() {
        String script = String.join("\n", YAML.convertValue(services.path("topics").path("command"), String[].class));
        assertTrue(script.contains("--partitions \"$$2\"") && script.contains("--config max.message.bytes=\"$$3\""),
                "the create() helper must pass partitions and max.message.bytes through");
        Map<String, long[]> created = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*create\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s*$").matcher(script);
        while (m.find()) {
            created.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        Map<String, String> topics = topicsOf(appYaml);
        assertEquals(Set.copyOf(topics.values()), created.keySet(), "topics created by compose vs docker/app.yaml");
        int partitions = Integer.parseInt(appYaml.getOrDefault("topics.partitions", Integer.toString(CONTRACT_PARTITIONS)));
        created.forEach((topic, spec) -> assertEquals(partitions, spec[0], topic + " partitions"));

        long input = created.get(topics.get("topics.input"))[1];
        long maxImage = Long.parseLong(appYaml.getOrDefault("limits.image.max.bytes", Long.toString(DEFAULT_MAX_IMAGE_BYTES)));
        assertTrue(input >= maxImage, "input topic max.message.bytes " + input + " < limits.image.max.bytes " + maxImage);
        long dlq = created.get(topics.get("topics.dlq"))[1];
        assertTrue(dlq >= input + DEAD_LETTER_HEADROOM,
                "dead letters carry the original record: " + topics.get("topics.dlq") + " needs >= " + (input + DEAD_LETTER_HEADROOM));
        long dense = created.get(topics.get("topics.dense"))[1];
        assertTrue(dense >= 32L * 1024 * 1024, "dense topic limit " + dense + " is too small for dense feature records");
        assertTrue(created.get(topics.get("topics.embeddings"))[1] > 1024 * 1024, "embeddings topic keeps the 1 MB default");
    }

    @Test
    void appYamlUsesKnownKeysAndTheContractTopicNames() {
        for (String key : appYaml.keySet()) {
            assertTrue(CONTRACT_KEYS.contains(key) || PASS_THROUGH_PREFIXES.stream().anyMatch(key::startsWith),
                    "docker/app.yaml: unknown key " + key);
        }
        assertEquals(CONTRACT_TOPICS, topicsOf(appYaml), "docker/app.yaml keeps the default topic names");
        assertEquals(Integer.toString(CONTRACT_PARTITIONS), appYaml.get("topics.partitions"));
        assertEquals("default", appYaml.get("model.bundle"), "the image ships the default bundle");
    }

    @Test
    void appYamlLoadsWithTheApplicationsConfigLoader() throws Exception {
        Class<?> loader;
        try {
            loader = Class.forName("dev.anyup.streams.app.ConfigLoader");
        } catch (ClassNotFoundException e) {
            assumeTrue(false, "the application's ConfigLoader is not in this checkout");
            return;
        }
        Method load = loader.getMethod("load", Path.class, Map.class);
        Object config;
        try {
            config = load.invoke(null, docker.resolve("app.yaml"), Map.of());
        } catch (InvocationTargetException e) {
            throw new AssertionError("docker/app.yaml is rejected by the app: " + e.getCause().getMessage(), e.getCause());
        }
        Object topics = call(config, "topics");
        assertEquals(appYaml.get("topics.input"), call(topics, "input"));
        assertEquals(appYaml.get("topics.dense"), call(topics, "dense"));
        assertEquals(appYaml.get("topics.embeddings"), call(topics, "embeddings"));
        assertEquals(appYaml.get("topics.dlq"), call(topics, "dlq"));
        assertEquals(Integer.parseInt(appYaml.get("topics.partitions")), call(topics, "partitions"));
        assertEquals(HTTP_PORT, call(config, "httpPort"));
    }

    @Test
    void appYamlEndpointsAreTheComposeServices() throws Exception {
        String bootstrap = appYaml.get("bootstrap.servers");
        JsonNode kafkaEnv = services.path("kafka").path("environment");
        assertTrue(kafkaEnv.path("KAFKA_ADVERTISED_LISTENERS").asText().contains("PLAINTEXT://" + bootstrap),
                "app.yaml bootstrap.servers " + bootstrap + " is not the kafka service's advertised listener");

        Matcher registry = URL.matcher(appYaml.get("schema.registry.url"));
        assertTrue(registry.find());
        JsonNode sr = services.get(registry.group(1));
        assertNotNull(sr, "schema.registry.url host " + registry.group(1) + " is not a compose service");
        assertTrue(sr.path("environment").path("SCHEMA_REGISTRY_LISTENERS").asText().endsWith(":" + registry.group(2)));

        String kafkaVersion = xpath(repo.resolve("pom.xml"), "/project/properties/kafka.version");
        assertEquals("apache/kafka:" + kafkaVersion, services.path("kafka").path("image").asText(),
                "the broker image matches the Kafka version the app is built with");
    }

    @Test
    void gpuServiceReservesAnNvidiaDeviceInItsOwnProfile() {
        JsonNode app = services.get("anyup-streams-gpu");
        assertNotNull(app, "no anyup-streams-gpu service");
        assertTrue(app.path("profiles").toString().contains("\"gpu\""), "the GPU app must be opt-in (profile gpu)");
        assertEquals("docker/Dockerfile.gpu", app.path("build").path("dockerfile").asText());
        assertEquals("cuda:0", app.path("environment").path("ANYUP_MODEL_DEVICE").asText());
        JsonNode device = app.path("deploy").path("resources").path("reservations").path("devices").path(0);
        assertEquals("nvidia", device.path("driver").asText());
        assertTrue(device.path("capabilities").toString().contains("\"gpu\""));
        assertTrue(services.get("anyup-streams").path("profiles").isMissingNode(), "the CPU app runs by default");
    }

    @Test
    void producerPublishesTheBundledSamplesToTheInputTopic() {
        JsonNode producer = services.get("producer");
        assertNotNull(producer, "no producer service");
        List<String> command = List.of(YAML.convertValue(producer.path("command"), String[].class));
        assertEquals("produce", command.get(0));
        assertEquals(appYaml.get("bootstrap.servers"), command.get(command.indexOf("--bootstrap") + 1));
        assertEquals(appYaml.get("schema.registry.url"), command.get(command.indexOf("--registry") + 1));
        assertEquals(appYaml.get("topics.input"), command.get(command.indexOf("--topic") + 1));
        String dir = command.get(command.size() - 1);
        assertTrue(copyDestinations(cpu.finalStage()).contains(dir) || copyDestinations(cpu.finalStage()).contains(dir + "/"),
                "the producer reads " + dir + ", which the image does not contain");
        assertEquals(services.get("anyup-streams").path("image").asText(), producer.path("image").asText(),
                "the producer runs the app image");
    }

    // ---------------------------------------------------------------- helpers

    private static Path findRepoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docker/compose.yaml")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no docker/compose.yaml above " + Path.of("").toAbsolutePath());
    }

    private static Map<String, String> flatten(JsonNode root) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", root, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), out));
        } else {
            out.put(prefix, node.asText());
        }
    }

    private static Map<String, String> topicsOf(Map<String, String> config) {
        Map<String, String> topics = new HashMap<>();
        for (String key : CONTRACT_TOPICS.keySet()) {
            topics.put(key, config.getOrDefault(key, CONTRACT_TOPICS.get(key)));
        }
        return topics;
    }

    private static List<String> appServices() {
        List<String> apps = new ArrayList<>();
        services.properties().forEach(e -> {
            if (e.getValue().path("build").isObject() && e.getValue().path("command").isMissingNode()) {
                apps.add(e.getKey());
            }
        });
        assertEquals(Set.of("anyup-streams", "anyup-streams-gpu"), Set.copyOf(apps));
        return apps;
    }

    private static boolean hasHealthcheck(JsonNode service) {
        JsonNode hc = service.path("healthcheck");
        return hc.isObject() && !hc.path("disable").asBoolean(false) && hc.has("test");
    }

    private static void assertAcyclic(Map<String, List<String>> graph, String node, List<String> path) {
        assertFalse(path.contains(node), "depends_on cycle: " + path + " -> " + node);
        path.add(node);
        for (String next : graph.getOrDefault(node, List.of())) {
            assertAcyclic(graph, next, path);
        }
        path.remove(path.size() - 1);
    }

    private static void assertPinned(String where, String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.indexOf(':', slash + 1);
        assertTrue(colon > 0 || image.contains("@sha256:"), where + ": image " + image + " has no tag");
        String tag = colon > 0 ? image.substring(colon + 1) : "";
        assertFalse(tag.equals("latest"), where + ": image " + image + " uses latest");
        assertTrue(image.contains("@sha256:") || tag.matches(".*\\d+\\.\\d+.*"),
                where + ": image " + image + " is not pinned to a version");
    }

    private static void assertOpsEndpoint(String path) {
        assertTrue(OPS_ENDPOINTS.contains(path), path + " is not one of the ops endpoints " + OPS_ENDPOINTS);
        Path server = repo.resolve("topology/src/main/java/dev/anyup/streams/app/OpsHttpServer.java");
        if (Files.exists(server)) {
            try {
                assertTrue(Files.readString(server).contains("\"" + path + "\""), "OpsHttpServer does not serve " + path);
            } catch (IOException e) {
                throw new AssertionError("cannot read " + server, e);
            }
        }
    }

    private static String runCommands(Dockerfile.Stage stage) {
        StringBuilder sb = new StringBuilder();
        stage.all("RUN").forEach(r -> sb.append(r.args().replaceAll("\\s+", " ")).append('\n'));
        return sb.toString();
    }

    private static Set<String> copyDestinations(Dockerfile.Stage stage) {
        Set<String> out = new HashSet<>();
        for (Dockerfile.Instruction copy : stage.all("COPY")) {
            List<String> operands = copy.operands();
            String dest = operands.get(operands.size() - 1);
            out.add(dest);
            out.add(dest.replaceAll("/$", ""));
        }
        return out;
    }

    private static Map<String, String> env(Dockerfile.Stage stage) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern kv = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");
        for (Dockerfile.Instruction i : stage.all("ENV")) {
            Matcher m = kv.matcher(i.args());
            while (m.find()) {
                env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
            }
        }
        return env;
    }

    private static String xpath(Path xml, String expression) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        Document doc = factory.newDocumentBuilder().parse(xml.toFile());
        XPath xp = XPathFactory.newInstance().newXPath();
        NodeList nodes = (NodeList) xp.evaluate(expression, doc, XPathConstants.NODESET);
        assertEquals(1, nodes.getLength(), xml + ": expected exactly one match for " + expression);
        return nodes.item(0).getTextContent().strip();
    }

    private static Object call(Object target, String accessor) throws ReflectiveOperationException {
        return target.getClass().getMethod(accessor).invoke(target);
    }
}
