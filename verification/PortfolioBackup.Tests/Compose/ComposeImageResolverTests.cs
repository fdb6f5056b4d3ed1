using PortfolioBackup.Compose;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Compose;

/// <summary>Docker-free: which compose file is read, how files merge, and what each malformed setup reports.</summary>
public sealed class ComposeImageResolverTests : IDisposable
{
    private static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Image_of_the_db_service_is_resolved_from_an_explicit_file()
    {
        var file = Write("docker-compose.yml", "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:15.4-alpine\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        result.Image.Should().Be("postgres:15.4-alpine");
        result.ServiceName.Should().Be("db");
        result.Files.Should().Equal(file);
        result.MajorVersion.Should().Be(15);
    }

    [Fact]
    public async Task Service_name_is_configurable()
    {
        var file = Write("docker-compose.yml", "services:\n  database:\n    image: postgres:17\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file], ServiceName = "database" }, NoEnvironment);

        result.Image.Should().Be("postgres:17");
    }

    [Fact]
    public async Task Later_files_override_the_image_of_earlier_ones()
    {
        var first = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:15\n    restart: always\n");
        var second = Write("docker-compose.prod.yml", "services:\n  db:\n    image: postgres:16\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [first, second] }, NoEnvironment);

        result.Image.Should().Be("postgres:16");
        result.Files.Should().Equal(first, second);
    }

    [Fact]
    public async Task Override_file_without_an_image_keeps_the_earlier_image()
    {
        var first = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:15\n");
        var second = Write("docker-compose.override.yml", "services:\n  db:\n    build: ./db\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [first, second] }, NoEnvironment);

        result.Image.Should().Be("postgres:15");
    }

    [Fact]
    public async Task Compose_file_variable_lists_files_separated_by_colons()
    {
        var first = Write("a.yml", "services:\n  db:\n    image: postgres:14\n");
        var second = Write("b.yml", "services:\n  db:\n    image: postgres:15\n");
        var environment = new Dictionary<string, string?> { ["COMPOSE_FILE"] = $"{first}:{second}" };

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions(), environment);

        result.Image.Should().Be("postgres:15");
        result.Files.Should().Equal(first, second);
    }

    [Fact]
    public async Task Compose_path_separator_changes_how_compose_file_is_split()
    {
        var first = Write("a.yml", "services:\n  db:\n    image: postgres:14\n");
        var second = Write("b.yml", "services:\n  db:\n    image: postgres:16\n");
        var environment = new Dictionary<string, string?> { ["COMPOSE_FILE"] = $"{first};{second}", ["COMPOSE_PATH_SEPARATOR"] = ";" };

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions(), environment);

        result.Image.Should().Be("postgres:16");
    }

    [Fact]
    public async Task Default_file_is_looked_up_in_the_project_directory()
    {
        Write("docker-compose.yml", "services:\n  db:\n    image: postgres:15\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { ProjectDirectory = _dir.Path }, NoEnvironment);

        result.Image.Should().Be("postgres:15");
        result.Files.Should().Equal(_dir.Combine("docker-compose.yml"));
    }

    [Fact]
    public async Task Compose_yaml_is_preferred_over_docker_compose_yml_as_docker_compose_does()
    {
        Write("docker-compose.yml", "services:\n  db:\n    image: postgres:14\n");
        Write("compose.yaml", "services:\n  db:\n    image: postgres:17\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { ProjectDirectory = _dir.Path }, NoEnvironment);

        result.Image.Should().Be("postgres:17");
    }

    [Theory]
    [InlineData("compose.yml")]
    [InlineData("docker-compose.yaml")]
    public async Task Other_default_file_names_are_accepted(string name)
    {
        Write(name, "services:\n  db:\n    image: postgres:16\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { ProjectDirectory = _dir.Path }, NoEnvironment);

        result.Files.Should().Equal(_dir.Combine(name));
    }

    [Fact]
    public async Task Missing_default_file_says_where_it_looked_and_what_to_pass()
    {
        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { ProjectDirectory = _dir.Path }, NoEnvironment);

        var error = await act.Should().ThrowAsync<ComposeException>();
        error.Which.Message.Should().StartWith("no compose file found: looked for").And.Contain("docker-compose.yml").And.Contain(_dir.Path)
            .And.EndWith("pass --compose-file or --image");
    }

    [Fact]
    public async Task Missing_explicit_file_is_named_in_the_error()
    {
        var missing = _dir.Combine("nope.yml");

        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [missing] }, NoEnvironment);

        (await act.Should().ThrowAsync<ComposeException>()).Which.Message.Should().Contain(missing).And.Contain("--compose-file");
    }

    [Fact]
    public async Task Invalid_yaml_names_the_file_and_the_line()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:15\n   bad: [unclosed\n");

        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        (await act.Should().ThrowAsync<ComposeException>()).Which.Message.Should().Contain(file).And.Contain("not valid YAML").And.Contain("line");
    }

    [Fact]
    public async Task File_without_services_is_reported()
    {
        var file = Write("docker-compose.yml", "version: '3.8'\nvolumes:\n  data: {}\n");

        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        (await act.Should().ThrowAsync<ComposeException>()).Which.Message.Should().Contain("no services").And.Contain(file);
    }

    [Fact]
    public async Task Absent_service_lists_the_services_that_exist()
    {
        var file = Write("docker-compose.yml", "services:\n  web:\n    image: nginx\n  postgres:\n    image: postgres:15\n");

        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        (await act.Should().ThrowAsync<ComposeException>()).Which.Message.Should().Contain("service db not found").And.Contain("web, postgres").And.Contain(file);
    }

    [Fact]
    public async Task Service_built_from_a_dockerfile_without_image_asks_for_the_image()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    build:\n      context: ./db\n");

        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        (await act.Should().ThrowAsync<ComposeException>()).Which.Message.Should()
            .Contain("service db is built from a Dockerfile; pass --image with the image it produces").And.Contain(file);
    }

    [Fact]
    public async Task Service_built_from_a_dockerfile_with_an_image_name_resolves_to_that_name()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    build: ./db\n    image: portfolio-db:15\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        result.Image.Should().Be("portfolio-db:15");
    }

    [Fact]
    public async Task Image_from_a_yaml_merge_key_is_found()
    {
        var file = Write("docker-compose.yml", "x-db: &db\n  image: postgres:15\nservices:\n  db:\n    <<: *db\n    restart: always\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        result.Image.Should().Be("postgres:15");
    }

    [Fact]
    public async Task Environment_variable_in_image_is_substituted()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:${PG_VERSION}\n");
        var environment = new Dictionary<string, string?> { ["PG_VERSION"] = "16" };

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, environment);

        result.Image.Should().Be("postgres:16");
    }

    [Fact]
    public async Task Dot_env_in_the_project_directory_supplies_variables()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    image: $PG_IMAGE\n");
        Write(".env", "# production settings\nexport PG_IMAGE=\"postgres:15-alpine\" # pinned\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        result.Image.Should().Be("postgres:15-alpine");
    }

    [Fact]
    public async Task Environment_wins_over_dot_env()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:${PG_VERSION:-13}\n");
        Write(".env", "PG_VERSION=15\n");
        var environment = new Dictionary<string, string?> { ["PG_VERSION"] = "17" };

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, environment);

        result.Image.Should().Be("postgres:17");
    }

    [Fact]
    public async Task Dot_env_is_read_from_the_configured_project_directory()
    {
        using var project = new TempDirectory();
        var file = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:${PG_VERSION}\n");
        Write(".env", "PG_VERSION=14\n");
        await File.WriteAllTextAsync(project.Combine(".env"), "PG_VERSION=16\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file], ProjectDirectory = project.Path }, NoEnvironment);

        result.Image.Should().Be("postgres:16");
    }

    [Fact]
    public async Task Compose_file_can_come_from_dot_env()
    {
        var other = Write("prod.yml", "services:\n  db:\n    image: postgres:16\n");
        Write("docker-compose.yml", "services:\n  db:\n    image: postgres:13\n");
        Write(".env", $"COMPOSE_FILE={other}\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { ProjectDirectory = _dir.Path }, NoEnvironment);

        result.Image.Should().Be("postgres:16");
    }

    [Fact]
    public async Task Required_variable_without_value_fails_with_its_message()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:${PG_VERSION:?set PG_VERSION to the production major}\n");

        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        (await act.Should().ThrowAsync<ComposeException>()).Which.Message.Should()
            .Contain("set PG_VERSION to the production major").And.Contain(file);
    }

    [Fact]
    public async Task Unset_variable_that_empties_the_tag_is_reported_by_name()
    {
        var file = Write("docker-compose.yml", "services:\n  db:\n    image: postgres:${PG_VERSION}\n");

        var act = () => ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        (await act.Should().ThrowAsync<ConfigurationException>()).Which.Message.Should().Contain("PG_VERSION is not set").And.Contain("--image");
    }

    [Fact]
    public async Task Variables_in_other_services_do_not_matter()
    {
        var file = Write("docker-compose.yml", "services:\n  web:\n    image: app:${APP_TAG:?must be set}\n  db:\n    image: postgres:15\n");

        var result = await ComposeImageResolver.ResolveAsync(new ComposeOptions { Files = [file] }, NoEnvironment);

        result.Image.Should().Be("postgres:15");
    }

    private string Write(string name, string content)
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }
}
