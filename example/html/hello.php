<?php
header("Content-Type: text/plain");
echo "Hello from PHP ", PHP_VERSION, " through ", $_SERVER["SERVER_SOFTWARE"], "\n";
echo "script: ", $_SERVER["SCRIPT_NAME"], ", path info: ", $_SERVER["PATH_INFO"] ?? "", ", query: ", $_SERVER["QUERY_STRING"], "\n";
