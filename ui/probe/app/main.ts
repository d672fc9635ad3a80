import "../../src/main";
import { reportPainted } from "../report";

reportPainted();
