using PortfolioBackup.Compose;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Compose;

/// <summary>Docker-free: the compose project a folder runs is named as docker compose names it.</summary>
public sealed class ComposeProjectTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_folder_without_compose_file_and_without_a_project_name_names_no_project()
    {
        ComposeProject.NameOf(new Dictionary<string, string?>(), _dir.Path).Should().BeNull();
    }

    [Fact]
    public void The_compose_files_folder_names_the_project_normalised_as_compose_does()
    {
        var app = Directory.CreateDirectory(_dir.Combine("My.App_2")).FullName;
        File.WriteAllText(Path.Combine(app, "compose.yaml"), "services:\n  db:\n    image: postgres:15\n");

        ComposeProject.NameOf(new Dictionary<string, string?>(), app).Should().Be("myapp_2");
    }

    [Fact]
    public void The_compose_files_top_level_name_wins_over_its_folder()
    {
        File.WriteAllText(_dir.Combine("docker-compose.yml"), "name: Portfolio\nservices:\n  db:\n    image: postgres:15\n");

        ComposeProject.NameOf(new Dictionary<string, string?>(), _dir.Path).Should().Be("portfolio");
    }

    [Fact]
    public void COMPOSE_PROJECT_NAME_from_the_environment_wins_over_the_dotenv_file_which_wins_over_the_compose_file()
    {
        File.WriteAllText(_dir.Combine("docker-compose.yml"), "name: fromfile\nservices: {}\n");
        File.WriteAllText(_dir.Combine(".env"), "COMPOSE_PROJECT_NAME=fromdotenv\n");

        ComposeProject.NameOf(new Dictionary<string, string?>(), _dir.Path).Should().Be("fromdotenv");
        ComposeProject.NameOf(new Dictionary<string, string?> { ["COMPOSE_PROJECT_NAME"] = "fromenv" }, _dir.Path).Should().Be("fromenv");
    }

    [Fact]
    public void COMPOSE_FILE_points_at_the_file_whose_folder_names_the_project_even_before_it_exists()
    {
        var environment = new Dictionary<string, string?> { ["COMPOSE_FILE"] = "deploy/docker-compose.yml:deploy/override.yml" };

        ComposeProject.NameOf(environment, _dir.Path).Should().Be("deploy");
    }

    [Fact]
    public void A_compose_file_that_does_not_parse_falls_back_to_its_folder()
    {
        var app = Directory.CreateDirectory(_dir.Combine("shop")).FullName;
        File.WriteAllText(Path.Combine(app, "compose.yml"), "services: [unclosed\n");

        ComposeProject.NameOf(new Dictionary<string, string?>(), app).Should().Be("shop");
    }
}
